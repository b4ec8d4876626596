package dev.jscontract.cli;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Ctrl-C for long commands: {@link Main} requests a stop from its shutdown hook and waits (up to a bound) until the
 * command says it has stopped cleanly; a replay then publishes nothing new, waits for the acknowledgements in flight,
 * and prints how far it got. Tests request a stop directly. Thread-safe.
 */
public final class StopSignal {
    private volatile boolean requested;
    private final CountDownLatch finished = new CountDownLatch(1);

    /** Asks the running command to stop. */
    public void request() {
        requested = true;
    }

    /** Whether a stop was requested. */
    public boolean isRequested() {
        return requested;
    }

    /** Called by the runner when the command has returned. */
    public void finished() {
        finished.countDown();
    }

    /**
     * Waits until the command has returned.
     *
     * @return whether it returned within the timeout
     */
    public boolean awaitFinished(Duration timeout) throws InterruptedException {
        return finished.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public String toString() {
        return "StopSignal{requested=" + requested + "}";
    }
}
