package dev.jscontract.cli.internal.dlq;

import dev.jscontract.cli.CliException;
import dev.jscontract.cli.ExitCodes;
import dev.jscontract.cli.Session;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamOptions;
import io.nats.client.api.StreamInfo;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/** JetStream handles for a session (its API prefix or domain, its timeout) and the errors people read. */
public final class Js {
    /** JetStream API error: stream not found. */
    public static final int STREAM_NOT_FOUND = 10059;
    /** JetStream API error: no message found. */
    public static final int NO_MESSAGE_FOUND = 10037;
    /** JetStream API error: consumer not found. */
    public static final int CONSUMER_NOT_FOUND = 10014;

    private Js() {}

    /** The JetStream options of the session. */
    public static JetStreamOptions options(Session s) {
        return JetStreamOptions.builder()
                .prefix(s.jsApiPrefix())
                .requestTimeout(s.timeout())
                .build();
    }

    /** Management on the session's connection. */
    public static JetStreamManagement management(Session s) {
        try {
            return s.nats().jetStreamManagement(options(s));
        } catch (IOException e) {
            throw noJetStream(s, e);
        }
    }

    /** Publishing on the session's connection. */
    public static JetStream jetStream(Session s) {
        try {
            return s.nats().jetStream(options(s));
        } catch (IOException e) {
            throw noJetStream(s, e);
        }
    }

    private static CliException noJetStream(Session s, IOException e) {
        return CliException.unavailable(
                "JetStream is not available on " + s.nats().getConnectedUrl() + " (" + e.getMessage()
                        + "); start nats-server with -js, or give --js-domain",
                e);
    }

    /** A stream's info, or empty when there is no such stream. */
    public static Optional<StreamInfo> streamInfo(JetStreamManagement jsm, String stream) {
        try {
            return Optional.of(jsm.getStreamInfo(stream));
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() == STREAM_NOT_FOUND) {
                return Optional.empty();
            }
            throw apiError("read stream " + stream, e);
        } catch (IOException e) {
            throw io("read stream " + stream, e);
        }
    }

    /** Every stream's info. */
    public static List<StreamInfo> streams(JetStreamManagement jsm) {
        try {
            return jsm.getStreams();
        } catch (JetStreamApiException e) {
            throw apiError("list streams", e);
        } catch (IOException e) {
            throw io("list streams", e);
        }
    }

    /** A refused JetStream request as one line. */
    public static CliException apiError(String what, JetStreamApiException e) {
        return new CliException(
                ExitCodes.UNAVAILABLE,
                "the server refused to " + what + ": " + e.getErrorDescription() + " (err_code " + e.getApiErrorCode()
                        + ")",
                e);
    }

    /** A request that got no answer as one line. */
    public static CliException io(String what, IOException e) {
        return new CliException(
                ExitCodes.UNAVAILABLE,
                "cannot " + what + ": " + e.getMessage() + "; check the connection, or raise --timeout",
                e);
    }
}
