package dev.jscontract.consumer;

/** The lifecycle of a {@link ContractConsumer}: NEW → RUNNING → DRAINING → CLOSED, or FAILED when start fails. */
public enum ConsumerState {
    /** Built, not started. */
    NEW,
    /** Started: provisioned and pulling. */
    RUNNING,
    /** {@code drain} was called: no new pulls, in-flight work is being settled. */
    DRAINING,
    /** Closed; cannot be started again. */
    CLOSED,
    /** {@code start} failed (drift, refused provisioning); cannot be started again. */
    FAILED
}
