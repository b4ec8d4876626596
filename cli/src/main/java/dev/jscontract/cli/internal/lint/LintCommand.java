package dev.jscontract.cli.internal.lint;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.jscontract.cli.CliCommand;
import dev.jscontract.cli.CliException;
import dev.jscontract.cli.ExitCodes;
import dev.jscontract.cli.Session;
import dev.jscontract.cli.Terminal;
import dev.jscontract.cli.internal.dlq.DlqSelection;
import dev.jscontract.cli.internal.dlq.Js;
import dev.jscontract.cli.internal.text.Json;
import dev.jscontract.cli.internal.text.Table;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.contract.ContractLinter;
import dev.jscontract.contract.DeadLetterPolicy;
import dev.jscontract.contract.Finding;
import dev.jscontract.contract.LintOptions;
import dev.jscontract.contract.LintReport;
import dev.jscontract.contract.LintRule;
import dev.jscontract.contract.ServerVersion;
import dev.jscontract.contract.Severity;
import dev.jscontract.contract.internal.Subjects;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * {@code jscontract lint}: checks live consumers (every durable consumer, or {@code --stream}/{@code --consumer})
 * with their stream's configuration and the server's version, the dead-letter streams (DLQ-003), and for consumers
 * jscontract runs (their MAX_DELIVERIES advisory is captured by a stream) that their default dead-letter subject is
 * captured (DLQ-005); or contract JSON files ({@code lint contract.json...}), offline for a {@code --server-version}
 * (portable rules without one), or with {@code --live} against the connected server (its version, its streams for
 * DLQ-005). Exit 0 when clean, 1 with errors, and with warnings under {@code --strict}.
 *
 * <p>Skipped in live mode, and counted in the summary: ephemeral and ordered consumers (tools, not work) and
 * jscontract's own sweeper consumers.
 *
 * @param files contract files; empty for live consumers
 * @param stream {@code --stream}, or null
 * @param consumer {@code --consumer}, or null
 * @param live contract files against the connected server
 * @param serverVersion the version contract files are linted for offline, or null
 * @param suppressions rules suppressed with the reason ({@code --suppress RULE=REASON})
 * @param strict warnings fail too
 * @param json a JSON document instead of a table
 */
public record LintCommand(
        List<Path> files,
        @Nullable String stream,
        @Nullable String consumer,
        boolean live,
        @Nullable ServerVersion serverVersion,
        Map<String, String> suppressions,
        boolean strict,
        boolean json)
        implements CliCommand {

    /** Copies the list and map. */
    public LintCommand {
        files = List.copyOf(files);
        suppressions = Map.copyOf(suppressions);
    }

    /** One linted thing: what, its report, and extra findings from the whole-server view. */
    record Item(String subject, List<Finding> findings, Map<LintRule, String> unchecked) {}

    @Override
    public int run(Session session) throws Exception {
        List<Item> items = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        if (files.isEmpty()) {
            liveConsumers(session, items, notes);
        } else {
            contracts(session, items);
        }
        long suppressed = 0;
        for (int i = 0; i < items.size(); i++) {
            Item it = items.get(i);
            List<Finding> kept = it.findings().stream()
                    .filter(f -> !suppressions.containsKey(f.getRuleId()))
                    .toList();
            suppressed += it.findings().size() - kept.size();
            items.set(i, new Item(it.subject(), kept, it.unchecked()));
        }
        if (suppressed > 0) {
            notes.add("suppressed " + suppressed + " finding" + (suppressed == 1 ? "" : "s") + ": "
                    + suppressions.entrySet().stream()
                            .map(e -> e.getKey() + " (" + e.getValue() + ")")
                            .collect(Collectors.joining(", ")));
        }
        Terminal term = session.terminal();
        long errors = count(items, Severity.ERROR);
        long warnings = count(items, Severity.WARNING);
        if (json) {
            Json.document(term.out(), g -> json(g, items, notes, errors, warnings));
        } else {
            print(term, items, notes, errors, warnings);
        }
        return errors > 0 || (strict && warnings > 0) ? ExitCodes.FINDINGS : ExitCodes.OK;
    }

    private void contracts(Session session, List<Item> items) {
        ServerVersion version = serverVersion;
        List<StreamConfiguration> streams = List.of();
        if (live) {
            version = ServerVersion.of(session.nats());
            streams = Js.streams(Js.management(session)).stream()
                    .map(StreamInfo::getConfiguration)
                    .toList();
        }
        for (Path file : files) {
            ConsumerContract c = ExplainCommand.read(file);
            LintReport r = ContractLinter.lint(c, version, LintOptions.none());
            List<Finding> findings = new ArrayList<>(r.getFindings());
            if (live && c.getDeadLetterSubject().isPresent()) {
                findings.addAll(ContractLinter.lintDeadLetterCapture(
                        c.getStream() + "/" + c.getDurable(),
                        c.getDeadLetterSubject().get(),
                        streams));
            }
            items.add(new Item(file + " (" + r.getSubject() + ")", findings, r.getUnchecked()));
        }
    }

    private void liveConsumers(Session session, List<Item> items, List<String> notes) {
        JetStreamManagement jsm = Js.management(session);
        ServerVersion version = ServerVersion.of(session.nats());
        List<StreamInfo> all = Js.streams(jsm);
        List<StreamConfiguration> configs =
                all.stream().map(StreamInfo::getConfiguration).toList();
        List<StreamInfo> selected = all.stream()
                .filter(s -> stream == null || s.getConfiguration().getName().equals(stream))
                .sorted(Comparator.comparing(s -> s.getConfiguration().getName()))
                .toList();
        if (stream != null && selected.isEmpty()) {
            throw CliException.unavailable(
                    "there is no stream " + stream + " on " + session.nats().getConnectedUrl() + "; check the name with"
                            + " `nats stream ls`",
                    null);
        }
        int skippedTools = 0;
        int skippedSweepers = 0;
        int linted = 0;
        for (StreamInfo si : selected) {
            StreamConfiguration sc = si.getConfiguration();
            if (DlqSelection.isDeadLetterStream(sc) && consumer == null) {
                List<Finding> f = ContractLinter.lintDeadLetterStream(sc);
                items.add(new Item("stream " + sc.getName(), f, Map.of()));
            }
            for (ConsumerInfo ci : consumers(jsm, sc.getName())) {
                ConsumerConfiguration cc = ci.getConsumerConfiguration();
                String name = ci.getName();
                if (consumer != null && !consumer.equals(name)) {
                    continue;
                }
                if (cc.getDurable() == null || cc.getDurable().isEmpty()) {
                    skippedTools++;
                    continue;
                }
                if (cc.getDescription() != null && cc.getDescription().startsWith("jscontract sweeper")) {
                    skippedSweepers++;
                    continue;
                }
                linted++;
                String path = sc.getName() + "/" + name;
                boolean managed = advisoryCaptured(sc.getName(), name, configs);
                LintOptions options =
                        managed ? LintOptions.builder().deadLetterSink(true).build() : LintOptions.none();
                LintReport r = ContractLinter.lint(cc, sc, version, options);
                List<Finding> findings = new ArrayList<>(r.getFindings());
                if (managed) {
                    findings.addAll(ContractLinter.lintDeadLetterCapture(
                            path, DeadLetterPolicy.toDefaultSubject().subjectFor(sc.getName(), name), configs));
                }
                items.add(new Item(path, findings, r.getUnchecked()));
            }
        }
        if (consumer != null && linted == 0) {
            throw CliException.unavailable(
                    "there is no durable consumer " + consumer + (stream == null ? "" : " on stream " + stream)
                            + "; list them with `nats consumer ls " + (stream == null ? "STREAM" : stream) + "`",
                    null);
        }
        notes.add("nats-server " + version + ": linted " + linted + " durable consumer" + (linted == 1 ? "" : "s")
                + (skippedTools > 0 ? ", skipped " + skippedTools + " ephemeral/ordered" : "")
                + (skippedSweepers > 0 ? ", skipped " + skippedSweepers + " jscontract sweeper" : ""));
    }

    private static List<ConsumerInfo> consumers(JetStreamManagement jsm, String stream) {
        try {
            List<ConsumerInfo> list = new ArrayList<>(jsm.getConsumers(stream));
            list.sort(Comparator.comparing(ConsumerInfo::getName));
            return list;
        } catch (JetStreamApiException e) {
            throw Js.apiError("list the consumers of " + stream, e);
        } catch (IOException e) {
            throw Js.io("list the consumers of " + stream, e);
        }
    }

    /** Whether a stream captures the consumer's MAX_DELIVERIES advisory (a dead-letter sweeper can see it). */
    static boolean advisoryCaptured(String stream, String durable, List<StreamConfiguration> streams) {
        String advisory = DeadLetterPolicy.maxDeliveriesAdvisorySubject(stream, durable);
        return streams.stream().flatMap(s -> s.getSubjects().stream()).anyMatch(p -> Subjects.covers(p, advisory));
    }

    private static long count(List<Item> items, Severity s) {
        return items.stream()
                .flatMap(i -> i.findings().stream())
                .filter(f -> f.getSeverity() == s)
                .count();
    }

    private void print(Terminal term, List<Item> items, List<String> notes, long errors, long warnings) {
        Table t =
                new Table("SEVERITY", "RULE", "WHERE", "FINDING", "VALUES", "FIX").flexible("FINDING", "VALUES", "FIX");
        for (Item i : items) {
            List<Finding> sorted = new ArrayList<>(i.findings());
            sorted.sort(Comparator.comparing(Finding::getSeverity).reversed());
            for (Finding f : sorted) {
                String sev = f.getSeverity().label();
                t.row(
                        f.getSeverity() == Severity.ERROR
                                ? term.paint(sev, 31)
                                : f.getSeverity() == Severity.WARNING ? term.paint(sev, 33) : sev,
                        f.getRuleId(),
                        i.subject(),
                        f.getMessage(),
                        values(f),
                        f.getFix());
            }
        }
        if (!t.isEmpty()) {
            t.print(term.out(), term.width());
        }
        notes.forEach(n -> term.out().println(n));
        long infos = items.stream().mapToLong(i -> i.findings().size()).sum() - errors - warnings;
        term.out()
                .println((errors == 0 && warnings == 0 ? "clean: " : "") + errors + " error" + (errors == 1 ? "" : "s")
                        + ", "
                        + warnings + " warning" + (warnings == 1 ? "" : "s") + ", " + infos + " info in " + items.size()
                        + " item" + (items.size() == 1 ? "" : "s") + (strict ? " (--strict: warnings fail)" : ""));
        String unchecked = items.stream()
                .flatMap(i -> i.unchecked().keySet().stream())
                .map(LintRule::id)
                .distinct()
                .sorted()
                .collect(Collectors.joining(", "));
        if (!unchecked.isEmpty()) {
            term.out().println("not checked (the configuration does not show what they need): " + unchecked);
        }
        term.out().flush();
    }

    private static String values(Finding f) {
        return f.getValues().entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(", "));
    }

    private void json(JsonGenerator g, List<Item> items, List<String> notes, long errors, long warnings)
            throws IOException {
        g.writeStartObject();
        g.writeNumberField("errors", errors);
        g.writeNumberField("warnings", warnings);
        g.writeBooleanField("strict", strict);
        g.writeBooleanField("pass", !(errors > 0 || (strict && warnings > 0)));
        g.writeArrayFieldStart("items");
        for (Item i : items) {
            g.writeStartObject();
            g.writeStringField("subject", i.subject());
            g.writeArrayFieldStart("findings");
            for (Finding f : i.findings()) {
                g.writeStartObject();
                g.writeStringField("rule", f.getRuleId());
                g.writeStringField("severity", f.getSeverity().label());
                g.writeStringField("message", f.getMessage());
                g.writeObjectFieldStart("values");
                for (Map.Entry<String, String> e : f.getValues().entrySet()) {
                    g.writeStringField(e.getKey(), e.getValue());
                }
                g.writeEndObject();
                g.writeStringField("fix", f.getFix());
                g.writeArrayFieldStart("basis");
                for (String b : f.getBasis()) {
                    g.writeString(b);
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeObjectFieldStart("unchecked");
            for (Map.Entry<LintRule, String> e : i.unchecked().entrySet()) {
                g.writeStringField(e.getKey().id(), e.getValue());
            }
            g.writeEndObject();
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeArrayFieldStart("notes");
        for (String n : notes) {
            g.writeString(n);
        }
        g.writeEndArray();
        g.writeEndObject();
    }
}
