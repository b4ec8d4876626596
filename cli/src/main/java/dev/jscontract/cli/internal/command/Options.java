package dev.jscontract.cli.internal.command;

import dev.jscontract.cli.CliException;
import dev.jscontract.cli.internal.dlq.DeadLetterFilter;
import dev.jscontract.cli.internal.dlq.DlqSelection;
import dev.jscontract.cli.internal.text.Durations;
import dev.jscontract.contract.DeadLetterReason;
import dev.jscontract.contract.internal.Checks;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/** The option groups shared by the {@code dlq} commands, as picocli mixins. */
final class Options {
    private static final Pattern GROUP_ID = Pattern.compile("[0-9a-f]{8}");

    private Options() {}

    /** Which dead-letter streams. */
    static final class Selection {
        @Option(
                names = "--dlq-stream",
                paramLabel = "NAME",
                description = "The dead-letter stream (default: the one of --stream, else every DLQ_* stream).")
        @Nullable
        String dlqStream;

        @Option(
                names = "--stream",
                paramLabel = "STREAM",
                description = "The source stream: reads DLQ_<STREAM> and only its dead letters.")
        @Nullable
        String stream;

        DlqSelection toSelection() {
            return new DlqSelection(dlqStream, stream);
        }
    }

    /** Which dead letters. */
    static final class Filter {
        @Option(
                names = "--consumer",
                paramLabel = "DURABLE",
                description = "Only dead letters of this consumer (repeatable).")
        List<String> consumers = new ArrayList<>();

        @Option(
                names = "--reason",
                paramLabel = "REASON",
                description = "Only this reason: handler-error, permanent-error, poison, processing-timeout,"
                        + " max-deliveries (repeatable).")
        List<String> reasons = new ArrayList<>();

        @Option(names = "--error-class", paramLabel = "TEXT", description = "Only error classes containing TEXT.")
        @Nullable
        String errorClass;

        @Option(
                names = "--subject",
                paramLabel = "SUBJECT",
                description = "Only original subjects matching SUBJECT (wildcards * and >).")
        @Nullable
        String subject;

        @Option(
                names = "--since",
                paramLabel = "WHEN",
                description = "Only dead-lettered since WHEN: a duration ago (30m, 2h, 7d) or a timestamp"
                        + " (2026-11-23T05:50:39Z, 2026-11-23; UTC).")
        @Nullable
        String since;

        @Option(names = "--until", paramLabel = "WHEN", description = "Only dead-lettered before WHEN (as --since).")
        @Nullable
        String until;

        @Option(
                names = "--contains",
                paramLabel = "TEXT",
                description = "Only error messages containing TEXT (case-insensitive).")
        @Nullable
        String contains;

        @Option(
                names = "--group",
                paramLabel = "ID",
                description = "Only the group with this id (from `jscontract dlq stats`).")
        @Nullable
        String group;

        DeadLetterFilter toFilter(@Nullable String sourceStream, Clock clock, Set<Long> sequences) {
            Set<DeadLetterReason> rs = EnumSet.noneOf(DeadLetterReason.class);
            for (String r : reasons) {
                try {
                    rs.add(DeadLetterReason.fromWire(r));
                } catch (IllegalArgumentException e) {
                    throw CliException.usage("--reason "
                            + e.getMessage()
                                    .replace("unknown dead-letter reason", "")
                                    .trim());
                }
            }
            if (subject != null) {
                String problem = Checks.subjectProblem(subject, true);
                if (problem != null) {
                    throw CliException.usage("--subject must be a subject (wildcards * and > allowed) but was '"
                            + subject + "': " + problem);
                }
            }
            if (group != null && !GROUP_ID.matcher(group).matches()) {
                throw CliException.usage("--group must be a group id of 8 hex digits as `jscontract dlq stats` prints"
                        + " it, but was '" + group + "'");
            }
            Instant now = clock.instant();
            Instant from = since == null ? null : Durations.parseTime(since, "--since", now);
            Instant to = until == null ? null : Durations.parseTime(until, "--until", now);
            if (from != null && to != null && !from.isBefore(to)) {
                throw CliException.usage("--since (" + from + ") must be before --until (" + to + ")");
            }
            for (String c : consumers) {
                streamName(c, "--consumer");
            }
            return new DeadLetterFilter(
                    streamName(sourceStream, "--stream"),
                    new LinkedHashSet<>(consumers),
                    rs,
                    errorClass,
                    subject,
                    from,
                    to,
                    contains,
                    group,
                    sequences);
        }
    }

    /** What the commands that change something take: no confirmation, and a JSON summary. */
    static final class Confirm {
        @Option(
                names = {"-f", "--force"},
                description = "Do not ask for confirmation (needed without a terminal).")
        boolean force;

        @Option(
                names = {"-j", "--json"},
                description = "A JSON summary.")
        boolean json;
    }

    /** Checks a stream name given as an option. */
    static @Nullable String streamName(@Nullable String name, String option) {
        if (name == null) {
            return null;
        }
        try {
            return Checks.name(name, option);
        } catch (IllegalArgumentException e) {
            throw CliException.usage(e.getMessage());
        }
    }
}
