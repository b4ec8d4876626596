package dev.jscontract.testing;

import java.time.Duration;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * Waits for a condition in a test instead of sleeping for a guessed time: polls every 20 ms until it holds, or fails
 * naming what was awaited.
 *
 * <pre>{@code
 * Await.until("the dead letter is stored", Duration.ofSeconds(10), () -> count(nc, "DLQ_ORDERS") == 1);
 * }</pre>
 */
public final class Await {
    private static final long POLL_MILLIS = 20;

    private Await() {}

    /**
     * Polls {@code condition} until it holds.
     *
     * @param what what is awaited, for the failure message
     * @throws AssertionError when it does not hold within {@code timeout}
     * @throws InterruptedException when the waiting thread is interrupted
     */
    public static void until(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        Objects.requireNonNull(condition, "condition");
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + timeout + " waiting for: " + what);
            }
            Thread.sleep(POLL_MILLIS);
        }
    }
}
