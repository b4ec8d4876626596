package dev.jscontract.outbox.internal;

import dev.jscontract.outbox.PublishFailure;
import io.nats.client.JetStreamApiException;
import java.io.IOException;
import java.util.Locale;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * Maps what jnats reports for a failed {@code publishAsync} to a {@link PublishFailure}. jnats wraps API errors as
 * {@code CompletionException(RuntimeException(JetStreamApiException))}, reports a 503 status reply as {@code
 * IOException("Error Publishing: 503 ...")}, cancels futures without a reply after its request cleanup interval, and
 * throws synchronously for oversized payloads and closed connections (PUB-004).
 *
 * <p>A 503 No Responders is only a candidate: whether it means "no stream captures this subject" (a row problem) or
 * "the stream cannot take messages right now" (an outage) is decided by asking the server ({@link StreamLookup}).
 */
public final class PublishFailures {
    /** jnats' text for a payload above the server's max_payload. */
    static final String PAYLOAD_TEXT = "payload size exceed";

    /** The longest error text kept in the outbox and parked tables. */
    public static final int MAX_ERROR_LENGTH = 1000;

    private PublishFailures() {}

    /**
     * A classified failure.
     *
     * @param noResponders whether it was a 503 No Responders, to be told apart by {@link StreamLookup}
     */
    public record Failure(PublishFailure reason, String message, boolean noResponders) {
        Failure(PublishFailure reason, String message) {
            this(reason, message, false);
        }
    }

    /** Classifies a failure of a publish future (the exception given to {@code whenComplete}). */
    public static Failure ofFuture(Throwable error) {
        Throwable e = unwrap(error);
        if (e instanceof JetStreamApiException api) {
            String text = "JetStream API error " + api.getErrorCode() + "/" + api.getApiErrorCode() + ": "
                    + api.getErrorDescription();
            return switch (api.getApiErrorCode()) {
                case 10158 -> new Failure(PublishFailure.IN_PROCESS, text);
                case 10054 -> new Failure(PublishFailure.PAYLOAD_TOO_LARGE, text);
                default ->
                    new Failure(api.getErrorCode() == 503 ? PublishFailure.UNAVAILABLE : PublishFailure.REJECTED, text);
            };
        }
        if (e instanceof IOException) {
            String m = String.valueOf(e.getMessage());
            if (m.contains("503") || m.toLowerCase(Locale.ROOT).contains("no responders")) {
                return new Failure(PublishFailure.NO_STREAM, "no responders for the subject (" + m + ")", true);
            }
            return new Failure(PublishFailure.CONNECTION, describe(e));
        }
        if (e instanceof CancellationException || e instanceof TimeoutException) {
            String m = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
            return m.contains("closing")
                    ? new Failure(PublishFailure.CONNECTION, describe(e))
                    : new Failure(PublishFailure.TIMEOUT, "no PubAck in time (" + describe(e) + ")");
        }
        if (e instanceof IllegalStateException) {
            return new Failure(PublishFailure.CONNECTION, describe(e));
        }
        return new Failure(PublishFailure.REJECTED, describe(e));
    }

    /** Classifies an exception thrown synchronously by {@code publishAsync} or while building the message. */
    public static Failure ofSend(RuntimeException e) {
        if (e instanceof IllegalStateException) {
            return new Failure(PublishFailure.CONNECTION, describe(e));
        }
        String m = String.valueOf(e.getMessage());
        if (e instanceof IllegalArgumentException && m.toLowerCase(Locale.ROOT).contains(PAYLOAD_TEXT)) {
            return new Failure(PublishFailure.PAYLOAD_TOO_LARGE, m);
        }
        return new Failure(PublishFailure.INVALID, describe(e));
    }

    /** The timeout failure for a row that got no PubAck before the relay's publish timeout. */
    public static Failure timeout(java.time.Duration publishTimeout) {
        return new Failure(PublishFailure.TIMEOUT, "no PubAck within publishTimeout " + publishTimeout);
    }

    private static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException
                        || t instanceof ExecutionException
                        || t.getClass() == RuntimeException.class)
                && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static String describe(Throwable e) {
        return e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    /** Cuts error text to {@link #MAX_ERROR_LENGTH} characters. */
    public static String bound(String text) {
        return text.length() <= MAX_ERROR_LENGTH ? text : text.substring(0, MAX_ERROR_LENGTH - 3) + "...";
    }
}
