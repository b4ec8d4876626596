package dev.jscontract.consumer;

/**
 * A payload could not be decoded by the handler's {@link Codec}. The runtime dead-letters such a message at once with
 * reason {@code poison}; the default {@link FailureClassifier} also treats it as permanent when a handler throws it.
 */
public final class DecodingException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what could not be decoded and why
     * @param cause the codec's exception
     */
    public DecodingException(String message, Throwable cause) {
        super(message, cause);
    }

    /** @param message what could not be decoded and why */
    public DecodingException(String message) {
        super(message);
    }
}
