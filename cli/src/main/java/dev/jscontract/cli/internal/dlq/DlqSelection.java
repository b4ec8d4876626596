package dev.jscontract.cli.internal.dlq;

import dev.jscontract.cli.CliException;
import dev.jscontract.cli.ExitCodes;
import dev.jscontract.cli.Session;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Which dead-letter streams a {@code dlq} command reads: {@code --dlq-stream NAME}, else the one of {@code --stream
 * ORDERS} ({@code DLQ_ORDERS}), else every dead-letter stream on the server. A dead-letter stream is one named
 * {@code DLQ_*} or described as jscontract dead letters (what {@code ContractProvisioner} creates, also under a custom
 * name).
 *
 * @param dlqStream {@code --dlq-stream}, or null
 * @param sourceStream {@code --stream}, or null
 */
public record DlqSelection(@Nullable String dlqStream, @Nullable String sourceStream) {
    /** The prefix of the dead-letter streams' default names. */
    public static final String PREFIX = "DLQ_";

    /** Whether a stream holds jscontract dead letters, by its name or description. */
    public static boolean isDeadLetterStream(StreamConfiguration c) {
        return c.getName().startsWith(PREFIX)
                || (c.getDescription() != null && c.getDescription().startsWith("jscontract dead letters"));
    }

    /**
     * The dead-letter streams, sorted by name.
     *
     * @throws CliException (exit 3) when a named stream does not exist; (exit 2) when it is not a dead-letter stream
     */
    public List<String> resolve(Session session) {
        JetStreamManagement jsm = Js.management(session);
        if (dlqStream != null) {
            StreamInfo info = Js.streamInfo(jsm, dlqStream)
                    .orElseThrow(() -> CliException.unavailable(
                            "there is no stream " + dlqStream + "; list the dead-letter streams with `jscontract dlq"
                                    + " stats`, or give --stream with the source stream",
                            null));
            if (!isDeadLetterStream(info.getConfiguration())) {
                throw new CliException(
                        ExitCodes.USAGE,
                        "stream " + dlqStream + " is not a dead-letter stream (its name does not start with " + PREFIX
                                + " and its description does not say jscontract dead letters); give its dead-letter"
                                + " stream, e.g. --dlq-stream " + PREFIX + dlqStream + ", or --stream " + dlqStream);
            }
            return List.of(dlqStream);
        }
        if (sourceStream != null) {
            String name = PREFIX + sourceStream;
            Optional<StreamInfo> info = Js.streamInfo(jsm, name);
            if (info.isEmpty()) {
                boolean sourceExists = Js.streamInfo(jsm, sourceStream).isPresent();
                throw CliException.unavailable(
                        sourceExists
                                ? "stream " + sourceStream + " has no dead-letter stream " + name + " (nothing was"
                                        + " dead-lettered with the default policy); give --dlq-stream if its contract"
                                        + " names another"
                                : "there is no stream " + sourceStream + "; check the name with `nats stream ls`",
                        null);
            }
            return List.of(name);
        }
        return Js.streams(jsm).stream()
                .map(StreamInfo::getConfiguration)
                .filter(DlqSelection::isDeadLetterStream)
                .map(StreamConfiguration::getName)
                .sorted()
                .toList();
    }
}
