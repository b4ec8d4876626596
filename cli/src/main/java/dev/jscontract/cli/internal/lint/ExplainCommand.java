package dev.jscontract.cli.internal.lint;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.jscontract.cli.CliCommand;
import dev.jscontract.cli.CliException;
import dev.jscontract.cli.ExitCodes;
import dev.jscontract.cli.Session;
import dev.jscontract.cli.internal.text.Json;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.contract.ContractFormatException;
import dev.jscontract.contract.ContractJson;
import dev.jscontract.contract.Explanation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code jscontract explain contract.json...}: the delivery timeline of each contract ({@code
 * ConsumerContract.explain()}): when each attempt can happen, its ack deadline, the retry delays, when a message is
 * dead-lettered at the latest, how long a crashed instance holds a message, the throughput ceiling. Offline.
 *
 * <p>With {@code --json}: one document, {@code {"contracts": [...]}}, one object per file in the order given. Its
 * fields are stable: durations are whole milliseconds in fields ending in {@code Millis}, times are relative to the
 * first delivery, and {@code null} means unbounded or absent (see each field below); the golden file {@code
 * src/test/resources/golden/explain.json} pins the shape.
 *
 * <ul>
 *   <li>{@code file}, {@code stream}, {@code durable};
 *   <li>{@code ackWaitMillis}; {@code serverBackoffMillis} (the server BackOff list, empty when none);
 *       {@code maxDeliver} ({@code null}: unlimited); {@code retryBackoff} (the backoff as text);
 *       {@code heartbeats}; {@code heartbeatIntervalMillis} ({@code null}: a third of the ack deadline, or
 *       heartbeats off); {@code maxProcessingTimeMillis} ({@code null}: none declared);
 *   <li>{@code attempts}: per delivery {@code delivery}, {@code earliestMillis}, {@code latestMillis} ({@code
 *       null}: unbounded), {@code ackDeadlineMillis}, {@code mayRunForMillis} ({@code null}: unbounded), {@code
 *       retryDelayMinMillis} and {@code retryDelayMaxMillis} ({@code null} on the last delivery), and {@code
 *       afterFailure}: {@code retry}, {@code dead-letter} or {@code terminate}; {@code attemptsTruncated} is true
 *       when deliveries are unlimited and only the first ones are listed;
 *   <li>{@code deadLetter}: {@code null} when nothing is ever dead-lettered (unlimited deliveries, or
 *       DeadLetterPolicy.none()), else {@code subject} and {@code latestMillis} ({@code null}: unbounded);
 *   <li>{@code crashHoldFirstDeliveryMillis}, {@code crashHoldMaxMillis}; {@code outageDeadLetterAfterMillis}
 *       ({@code null}: unlimited deliveries); {@code throughputCeilingPerSecond} ({@code null}: no expectedP99).
 * </ul>
 *
 * @param files the contract files
 * @param json one JSON document instead of text
 */
public record ExplainCommand(List<Path> files, boolean json) implements CliCommand {

    /** Copies the list. */
    public ExplainCommand {
        files = List.copyOf(files);
    }

    @Override
    public int run(Session session) {
        if (json) {
            List<Explained> all = new ArrayList<>();
            for (Path file : files) {
                all.add(new Explained(file, read(file).explain()));
            }
            Json.document(session.terminal().out(), g -> json(g, all));
            return ExitCodes.OK;
        }
        boolean first = true;
        for (Path file : files) {
            ConsumerContract c = read(file);
            if (!first) {
                session.terminal().out().println();
            }
            first = false;
            session.terminal().out().print(c.explain().toText());
        }
        session.terminal().out().flush();
        return ExitCodes.OK;
    }

    private record Explained(Path file, Explanation explanation) {}

    private static void json(JsonGenerator g, List<Explained> all) throws IOException {
        g.writeStartObject();
        g.writeArrayFieldStart("contracts");
        for (Explained e : all) {
            contract(g, e.file(), e.explanation());
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    private static void contract(JsonGenerator g, Path file, Explanation x) throws IOException {
        ConsumerContract c = x.getContract();
        g.writeStartObject();
        g.writeStringField("file", file.toString());
        g.writeStringField("stream", c.getStream());
        g.writeStringField("durable", c.getDurable());
        g.writeNumberField("ackWaitMillis", c.getAckWait().toMillis());
        g.writeArrayFieldStart("serverBackoffMillis");
        for (Duration d : c.getServerBackoff()) {
            g.writeNumber(d.toMillis());
        }
        g.writeEndArray();
        if (c.hasFiniteMaxDeliver()) {
            g.writeNumberField("maxDeliver", c.getMaxDeliver());
        } else {
            g.writeNullField("maxDeliver");
        }
        g.writeStringField("retryBackoff", c.getBackoff().toString());
        g.writeBooleanField("heartbeats", c.hasHeartbeats());
        millis(g, "heartbeatIntervalMillis", c.hasHeartbeats() ? c.getHeartbeatInterval() : Optional.empty());
        millis(g, "maxProcessingTimeMillis", c.getMaxProcessingTime());
        String last = c.getDeadLetterPolicy().isEnabled() ? "dead-letter" : "terminate";
        g.writeArrayFieldStart("attempts");
        for (Explanation.Attempt a : x.getAttempts()) {
            g.writeStartObject();
            g.writeNumberField("delivery", a.getDelivery());
            g.writeNumberField("earliestMillis", a.getEarliestDelivery().toMillis());
            millis(g, "latestMillis", a.getLatestDelivery());
            g.writeNumberField("ackDeadlineMillis", a.getAckDeadline().toMillis());
            millis(g, "mayRunForMillis", a.getMayRunFor());
            millis(g, "retryDelayMinMillis", a.getRetryDelayMin());
            millis(g, "retryDelayMaxMillis", a.getRetryDelayMax());
            g.writeStringField("afterFailure", a.getRetryDelayMin().isPresent() ? "retry" : last);
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeBooleanField("attemptsTruncated", !c.hasFiniteMaxDeliver());
        if (c.hasFiniteMaxDeliver() && c.getDeadLetterPolicy().isEnabled()) {
            g.writeObjectFieldStart("deadLetter");
            g.writeStringField("subject", c.getDeadLetterSubject().orElseThrow());
            millis(g, "latestMillis", x.getLatestDeadLetter());
            g.writeEndObject();
        } else {
            g.writeNullField("deadLetter");
        }
        g.writeNumberField(
                "crashHoldFirstDeliveryMillis", x.getCrashHoldFirstDelivery().toMillis());
        g.writeNumberField("crashHoldMaxMillis", x.getCrashHoldMax().toMillis());
        millis(g, "outageDeadLetterAfterMillis", x.getOutageDeadLetterAfter());
        if (x.getThroughputCeiling().isPresent()) {
            g.writeNumberField(
                    "throughputCeilingPerSecond", x.getThroughputCeiling().getAsDouble());
        } else {
            g.writeNullField("throughputCeilingPerSecond");
        }
        g.writeEndObject();
    }

    private static void millis(JsonGenerator g, String name, Optional<Duration> value) throws IOException {
        if (value.isPresent()) {
            g.writeNumberField(name, value.get().toMillis());
        } else {
            g.writeNullField(name);
        }
    }

    /**
     * Reads a contract file.
     *
     * @throws CliException (exit 3) for a missing file, (exit 2) for an invalid contract
     */
    static ConsumerContract read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw CliException.unavailable(
                    "contract file " + file + " does not exist; give the path of a contract"
                            + " JSON file (format: docs/contract-json.md)",
                    null);
        }
        try {
            return ContractJson.read(file);
        } catch (ContractFormatException e) {
            throw new CliException(ExitCodes.USAGE, e.getMessage(), e);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new CliException(ExitCodes.USAGE, file + ": " + e.getMessage(), e);
        } catch (UncheckedIOException e) {
            throw new CliException(ExitCodes.UNAVAILABLE, e.getMessage(), e);
        }
    }
}
