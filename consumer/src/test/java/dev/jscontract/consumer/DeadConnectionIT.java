package dev.jscontract.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.consumer.Fixtures.TestStream;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.WithNatsServer;
import io.nats.client.Connection;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A connection that can never work again (the application closed it, or jnats gave up reconnecting) must not look
 * healthy, and the consumer's threads must not spin on it: the state says HALTED with the real cause, and the
 * consumer's threads use almost no CPU afterwards.
 */
@WithNatsServer
class DeadConnectionIT {

    @Test
    void aClosedConnectionHaltsTheConsumerAndItsThreadsIdle(NatsServer server) throws Exception {
        Connection nc = server.connect();
        TestStream stream = Fixtures.workQueue(nc, "DC");
        ConsumerContract contract =
                Fixtures.contract(stream, "dead").concurrency(2).build();
        EventRecorder events = new EventRecorder();
        try (ContractConsumer consumer = ContractConsumer.builder(nc, contract)
                .handler(m -> {})
                .listeners(events)
                .build()) {
            consumer.start();
            assertThat(consumer.getState()).isEqualTo(ConsumerState.RUNNING);
            nc.close();

            Fixtures.await(
                    "the consumer to leave RUNNING",
                    Duration.ofSeconds(5),
                    () -> consumer.getState() != ConsumerState.RUNNING);
            assertThat(consumer.getState()).isEqualTo(ConsumerState.HALTED);
            ConsumerHealth health = consumer.getHealth();
            assertThat(health.getProblem()).contains(ConsumerHealth.Problem.CONNECTION_CLOSED);
            assertThat(health.getDetail()).contains("closed");
            assertThat(events.all(ConsumerEvent.StateChanged.class))
                    .anySatisfy(e -> assertThat(e.to()).isEqualTo(ConsumerState.HALTED));

            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            long before = consumerCpuNanos(mx);
            long wallStart = System.nanoTime();
            Thread.sleep(3000); // the measurement window: CPU used by the consumer's threads while halted
            long used = consumerCpuNanos(mx) - before;
            long wall = System.nanoTime() - wallStart;
            assertThat(Duration.ofNanos(used))
                    .as("CPU of the consumer's threads over %s of a dead connection", Duration.ofNanos(wall))
                    .isLessThan(Duration.ofMillis(150));
        }
    }

    /** CPU time of every live thread the consumer created (their names start with {@code jsc-dead}). */
    private static long consumerCpuNanos(ThreadMXBean mx) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("jsc-dead"))
                .mapToLong(t -> Math.max(0, mx.getThreadCpuTime(t.getId())))
                .sum();
    }
}
