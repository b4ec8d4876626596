package dev.jscontract.consumer;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.util.Objects;

/**
 * Decides whether a failed attempt is worth retrying. Retryable failures are NAKed with the contract's backoff
 * ({@code nakWithDelay(backoff.delayFor(deliveryCount))}) and dead-lettered with reason {@code handler-error} on the
 * last allowed delivery; permanent failures are dead-lettered at once with reason {@code permanent-error}; failures
 * that mean a dependency is down ({@link FailureKind#DEPENDENCY_DOWN}, opt-in with {@link
 * #withDependencyDown(Class)}) are held and retried in process without spending a delivery.
 *
 * <p>{@link #defaults()} treats as permanent a failure that is, or is caused by, a {@link PermanentFailure}, a
 * {@link DecodingException} or a Jackson {@code JsonProcessingException} (deserialization errors); everything else is
 * retryable. Extend it rather than replacing it:
 *
 * <pre>{@code
 * FailureClassifier classifier = FailureClassifier.defaults()
 *     .withPermanent(IllegalArgumentException.class)
 *     .withPermanent(ConstraintViolationException.class)
 *     .withRetryable(OptimisticLockException.class);   // the last one added is asked first
 * }</pre>
 *
 * <p>The cause chain is searched (at most {@value #MAX_CAUSE_DEPTH} levels), so a wrapped failure is classified by
 * what it wraps. Implementations must be thread-safe and must not throw; a classifier that throws is treated as
 * having answered {@link FailureKind#RETRYABLE} (and the error is logged).
 */
@FunctionalInterface
public interface FailureClassifier {
    /** How deep {@link #defaults()}, {@link #withPermanent(Class)} and {@link #withRetryable(Class)} follow {@code getCause()}. */
    int MAX_CAUSE_DEPTH = 16;

    /**
     * Classifies a failure.
     *
     * @param failure what the handler threw
     * @return retryable or permanent, never null
     */
    FailureKind classify(Throwable failure);

    /** The default classification: {@link PermanentFailure}, {@link DecodingException} and Jackson errors permanent. */
    static FailureClassifier defaults() {
        return DefaultFailureClassifier.INSTANCE;
    }

    /**
     * This classifier, except that failures that are (or are caused by) a {@code type} are permanent.
     *
     * @param type an exception type, matched with {@code isInstance} along the cause chain
     */
    default FailureClassifier withPermanent(Class<? extends Throwable> type) {
        Objects.requireNonNull(type, "type");
        FailureClassifier next = this;
        return failure ->
                DefaultFailureClassifier.matches(failure, type) ? FailureKind.PERMANENT : next.classify(failure);
    }

    /**
     * This classifier, except that failures that are (or are caused by) a {@code type} mean a dependency is down
     * ({@link FailureKind#DEPENDENCY_DOWN}): such messages are held and retried in process instead of spending
     * deliveries.
     *
     * <pre>{@code
     * FailureClassifier.defaults().withDependencyDown(java.net.ConnectException.class)
     * }</pre>
     *
     * @param type an exception type, matched with {@code isInstance} along the cause chain
     */
    default FailureClassifier withDependencyDown(Class<? extends Throwable> type) {
        Objects.requireNonNull(type, "type");
        FailureClassifier next = this;
        return failure ->
                DefaultFailureClassifier.matches(failure, type) ? FailureKind.DEPENDENCY_DOWN : next.classify(failure);
    }

    /**
     * This classifier, except that failures that are (or are caused by) a {@code type} are retryable, even when the
     * wrapped classifier would call them permanent.
     *
     * @param type an exception type, matched with {@code isInstance} along the cause chain
     */
    default FailureClassifier withRetryable(Class<? extends Throwable> type) {
        Objects.requireNonNull(type, "type");
        FailureClassifier next = this;
        return failure ->
                DefaultFailureClassifier.matches(failure, type) ? FailureKind.RETRYABLE : next.classify(failure);
    }
}

/** The built-in rules of {@link FailureClassifier#defaults()}. */
final class DefaultFailureClassifier implements FailureClassifier {
    static final DefaultFailureClassifier INSTANCE = new DefaultFailureClassifier();

    private DefaultFailureClassifier() {}

    @Override
    public FailureKind classify(Throwable failure) {
        Throwable t = failure;
        for (int depth = 0; t != null && depth < MAX_CAUSE_DEPTH; depth++, t = t.getCause()) {
            if (t instanceof PermanentFailure
                    || t instanceof DecodingException
                    || t instanceof JsonProcessingException) {
                return FailureKind.PERMANENT;
            }
        }
        return FailureKind.RETRYABLE;
    }

    static boolean matches(Throwable failure, Class<? extends Throwable> type) {
        Throwable t = failure;
        for (int depth = 0; t != null && depth < MAX_CAUSE_DEPTH; depth++, t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "FailureClassifier.defaults()";
    }
}
