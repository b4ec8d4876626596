package dev.jscontract.contract.internal;

/**
 * The one rule for isolating event listeners, shared by the consumer and the outbox relay: whatever a listener throws
 * is caught, logged and counted, and the part that called it carries on, except an error the JVM cannot recover from
 * ({@link OutOfMemoryError}, {@link InternalError} and the other {@link VirtualMachineError}s but {@link
 * StackOverflowError}, whose stack is unwound by the time it is caught).
 */
public final class Listeners {
    private Listeners() {}

    /**
     * Rethrows {@code t} when a listener's failure must not be isolated; returns normally otherwise, so the caller logs
     * and counts it.
     */
    public static void rethrowIfFatal(Throwable t) {
        if (t instanceof VirtualMachineError && !(t instanceof StackOverflowError)) {
            throw (VirtualMachineError) t;
        }
    }
}
