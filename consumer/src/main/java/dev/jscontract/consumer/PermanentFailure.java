package dev.jscontract.consumer;

/**
 * Thrown by a handler to say that retrying cannot help (a validation error, a business rule that rejects the message
 * for good). The default {@link FailureClassifier} treats it, and anything caused by it, as permanent: the message is
 * dead-lettered at once with reason {@code permanent-error}, without using up further deliveries.
 */
public class PermanentFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message why the message can never be processed */
    public PermanentFailure(String message) {
        super(message);
    }

    /**
     * @param message why the message can never be processed
     * @param cause the underlying error
     */
    public PermanentFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
