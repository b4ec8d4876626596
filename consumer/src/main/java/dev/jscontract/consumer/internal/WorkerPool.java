package dev.jscontract.consumer.internal;

import io.nats.client.Message;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The handler threads: {@code n} platform threads reading pulled messages straight from the pull engine's inbox (a
 * FIFO), so with one thread messages are processed one at a time in the order they arrived (stream order, except
 * that a retried message comes back when its delay is over). Each processed message frees its place in the pull
 * window. Owned by the runtime, which stops it on close.
 */
public final class WorkerPool {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerPool.class);

    /** What a handler thread does with a message. */
    @FunctionalInterface
    public interface Processor {
        /**
         * Processes one message on handler thread {@code slot}.
         *
         * @throws InterruptedException when the pool is stopping
         */
        void process(int slot, Message message) throws InterruptedException;
    }

    private static final Duration POLL = Duration.ofMillis(100);

    private final List<Thread> threads = new ArrayList<>();
    private final Processor processor;
    private final PullEngine engine;
    private final Consumer<Error> onDeath;
    private volatile boolean running = true;

    /**
     * @param name thread name prefix
     * @param n number of threads
     * @param processor what each thread does
     * @param engine told when a message is done ({@link PullEngine#settled()})
     * @param onDeath told when a thread dies of a {@link VirtualMachineError} (it is rethrown and ends the thread)
     */
    public WorkerPool(String name, int n, Processor processor, PullEngine engine, Consumer<Error> onDeath) {
        this.processor = processor;
        this.engine = engine;
        this.onDeath = onDeath;
        for (int i = 0; i < n; i++) {
            int slot = i;
            Thread t = new Thread(() -> run(slot), name + "-" + i);
            t.setDaemon(true);
            threads.add(t);
        }
    }

    /** Starts the threads. */
    public void start() {
        threads.forEach(Thread::start);
    }

    private void run(int slot) {
        while (running) {
            Message m;
            try {
                m = engine.next(POLL);
            } catch (InterruptedException e) {
                break;
            }
            if (m == null) {
                continue;
            }
            try {
                processor.process(slot, m);
            } catch (InterruptedException e) {
                LOG.debug("handler thread {} interrupted while a message was held; left for redelivery", slot);
                break;
            } catch (VirtualMachineError e) {
                LOG.error(
                        "handler thread {} died of {}; the message is redelivered after its ack deadline, and the"
                                + " consumer stops pulling (restart the process)",
                        slot,
                        e.toString(),
                        e);
                onDeath.accept(e);
                throw e;
            } catch (RuntimeException | Error e) {
                LOG.error(
                        "handler thread {} failed outside the handler; the message is redelivered after its ack"
                                + " deadline",
                        slot,
                        e);
            } finally {
                engine.settled();
            }
        }
    }

    /**
     * Stops taking messages, interrupts the threads (a running handler sees the interrupt) and waits for them.
     *
     * @return true when all threads ended within {@code wait}
     */
    public boolean stop(Duration wait) {
        running = false;
        threads.forEach(Thread::interrupt);
        long deadline = System.nanoTime() + wait.toNanos();
        boolean all = true;
        for (Thread t : threads) {
            long left = deadline - System.nanoTime();
            try {
                if (left > 0) {
                    t.join(Math.max(1, left / 1_000_000));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            all &= !t.isAlive();
        }
        return all;
    }
}
