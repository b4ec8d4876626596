package dev.jscontract.testing;

/**
 * A server a test needs cannot be had, or cannot do what the test asks (e.g. kill an external server), and the
 * environment variable {@code CI} is set, so the test fails instead of being skipped.
 *
 * <p>Outside CI the harness reports the same message as an aborted (skipped) test; see {@link
 * dev.jscontract.testing.internal.Environment#unavailable(String)}. The message always says how to provide the
 * missing server.
 */
public final class ServerUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message what is missing and how to provide it */
    public ServerUnavailableException(String message) {
        super(message);
    }
}
