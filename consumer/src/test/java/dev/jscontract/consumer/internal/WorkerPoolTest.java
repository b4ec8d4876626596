package dev.jscontract.consumer.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.consumer.ConsumerEvent;
import dev.jscontract.consumer.ConsumerHealth.Problem;
import dev.jscontract.consumer.ConsumerState;
import dev.jscontract.consumer.ManualClock;
import dev.jscontract.testing.Await;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What a handler thread does when its handler throws an error the JVM cannot recover from: the thread reports its
 * death and ends, and the consumer stops pulling and shows HALTED (HANDLER_THREAD_DIED). Against a fake transport;
 * the error is constructed, not provoked.
 */
class WorkerPoolTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    private final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final FakeTransport transport = new FakeTransport();
    private final List<ConsumerEvent> events = new CopyOnWriteArrayList<>();
    private final EventBus bus = new EventBus(List.of(events::add), clock, "ORDERS", "billing");
    private final HealthTracker health = new HealthTracker(bus);
    private final List<Error> deaths = new CopyOnWriteArrayList<>();
    private final List<WorkerPool> pools = new ArrayList<>();

    private PullEngine engine(int concurrency) {
        PullEngine e = new PullEngine(
                transport,
                "ORDERS",
                "billing",
                new PullPlanner(concurrency, concurrency),
                Duration.ofSeconds(5),
                clock,
                bus,
                health,
                Duration.ofMinutes(1));
        e.prober(() -> true);
        health.lifecycle(ConsumerState.RUNNING);
        e.start();
        return e;
    }

    /** A pool whose deaths are reported to the health as the runtime does ({@code RuntimeParts#handlerThreadDied}). */
    private WorkerPool pool(int n, WorkerPool.Processor processor, PullEngine engine) {
        WorkerPool pool = new WorkerPool("test-worker", n, processor, engine, e -> {
            deaths.add(e);
            health.problem(Problem.HANDLER_THREAD_DIED, true, "a handler thread died of " + e);
        });
        pools.add(pool);
        return pool;
    }

    @AfterEach
    void stopPools() {
        for (WorkerPool p : pools) {
            assertThat(p.stop(WAIT)).as("pool threads end").isTrue();
        }
    }

    @Test
    void aVirtualMachineErrorFromTheHandlerEndsTheThreadAndHaltsTheConsumer() throws Exception {
        PullEngine engine = engine(2);
        OutOfMemoryError oom = new OutOfMemoryError("test");
        AtomicInteger processed = new AtomicInteger();
        List<Thread> handlerThreads = new CopyOnWriteArrayList<>();
        WorkerPool pool = pool(
                2,
                (slot, m) -> {
                    handlerThreads.add(Thread.currentThread());
                    processed.incrementAndGet();
                    throw oom;
                },
                engine);
        pool.start();
        assertThat(transport.requestedInPulls())
                .as("one message per free thread")
                .isEqualTo(2);
        int pullsBefore = transport.pulls().size();
        transport.inbox().deliver(FakeTransport.message(1));

        Await.until("the handler thread reports its death", WAIT, () -> !deaths.isEmpty());
        assertThat(deaths).containsExactly(oom);
        Thread dead = handlerThreads.get(0);
        dead.join(WAIT.toMillis());
        assertThat(dead.isAlive())
                .as("the error is rethrown and ends the thread")
                .isFalse();
        assertThat(engine.inFlight())
                .as("its place in the pull window is freed")
                .isZero();

        assertThat(health.state()).isEqualTo(ConsumerState.HALTED);
        assertThat(health.health().getProblem()).contains(Problem.HANDLER_THREAD_DIED);
        assertThat(events)
                .filteredOn(ConsumerEvent.StateChanged.class::isInstance)
                .map(ConsumerEvent.StateChanged.class::cast)
                .anySatisfy(s -> {
                    assertThat(s.to()).isEqualTo(ConsumerState.HALTED);
                    assertThat(s.cause()).isEqualTo("handler-thread-died");
                });

        engine.maintain();
        engine.maybePull();
        assertThat(transport.pulls())
                .as("a halted consumer asks for no more messages, though the dead thread's place in the window is free")
                .hasSize(pullsBefore);
        assertThat(processed).hasValue(1);
    }

    @Test
    void anErrorThatIsNotAVirtualMachineErrorIsLoggedAndTheThreadTakesTheNextMessage() throws Exception {
        PullEngine engine = engine(1);
        AtomicInteger processed = new AtomicInteger();
        WorkerPool pool = pool(
                1,
                (slot, m) -> {
                    if (processed.incrementAndGet() == 1) {
                        throw new AssertionError("a bug outside the handler");
                    }
                },
                engine);
        pool.start();
        transport.inbox().deliver(FakeTransport.message(1));
        Await.until("the first message is done", WAIT, () -> processed.get() == 1 && engine.inFlight() == 0);
        Await.until("a new pull after the failure", WAIT, () -> transport.requestedInPulls() == 2);
        transport.inbox().deliver(FakeTransport.message(2));
        Await.until("the same thread takes the next message", WAIT, () -> processed.get() == 2);
        assertThat(deaths).isEmpty();
        assertThat(health.state()).isEqualTo(ConsumerState.RUNNING);
    }
}
