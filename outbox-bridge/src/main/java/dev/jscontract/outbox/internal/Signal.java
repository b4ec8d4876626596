package dev.jscontract.outbox.internal;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/** A wake-up flag: {@link #raise()} from any thread; {@link #await(long)} returns at once if raised, and clears it. */
public final class Signal {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition raised = lock.newCondition();
    private boolean flag;

    /** Sets the flag and wakes a waiting thread. */
    public void raise() {
        lock.lock();
        try {
            flag = true;
            raised.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until raised or until the timeout passes, then clears the flag.
     *
     * @return whether it was raised
     */
    public boolean await(long timeoutNanos) throws InterruptedException {
        lock.lock();
        try {
            long left = timeoutNanos;
            while (!flag && left > 0) {
                left = raised.awaitNanos(left);
            }
            boolean was = flag;
            flag = false;
            return was;
        } finally {
            lock.unlock();
        }
    }

    /** Waits like {@link #await(long)} with a {@link TimeUnit}. */
    public boolean await(long timeout, TimeUnit unit) throws InterruptedException {
        return await(unit.toNanos(timeout));
    }
}
