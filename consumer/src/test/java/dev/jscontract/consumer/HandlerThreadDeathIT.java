package dev.jscontract.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.consumer.ConsumerEvent.MessageAcked;
import dev.jscontract.consumer.ConsumerEvent.StateChanged;
import dev.jscontract.consumer.ConsumerHealth.Problem;
import dev.jscontract.consumer.Fixtures.TestStream;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.WithNatsServer;
import io.nats.client.Connection;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A handler that throws an error the JVM cannot recover from (an {@link OutOfMemoryError}, constructed, not
 * provoked) kills its handler thread: the consumer shows HALTED with cause {@code handler-thread-died}, stops pulling,
 * and sends no settle for the message, which the server redelivers after its ack deadline. This checks the runtime's
 * wiring of the worker pool's death report to the health; the pieces are unit-tested in {@code WorkerPoolTest} and
 * {@code MessagePipelineTest}. Not in the version matrix: nothing here depends on the server version.
 */
@WithNatsServer
class HandlerThreadDeathIT {

    @Test
    void anOutOfMemoryErrorFromTheHandlerHaltsTheConsumerWhichStopsPulling(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            TestStream stream = Fixtures.workQueue(nc, "TD");
            ConsumerContract contract = Fixtures.contract(stream, "dies").build(); // ack wait 2 s
            EventRecorder events = new EventRecorder();
            AtomicInteger calls = new AtomicInteger();
            long first = Fixtures.publish(nc, stream.subject(), "order-1");
            try (ContractConsumer consumer = ContractConsumer.builder(nc, contract)
                    .handler(m -> {
                        calls.incrementAndGet();
                        throw new OutOfMemoryError("test");
                    })
                    .listeners(events)
                    .build()) {
                consumer.start();
                StateChanged halted =
                        events.await(StateChanged.class, s -> s.to() == ConsumerState.HALTED, Duration.ofSeconds(10));
                assertThat(halted.cause()).isEqualTo("handler-thread-died");
                assertThat(consumer.getState()).isEqualTo(ConsumerState.HALTED);
                assertThat(consumer.getHealth().getProblem()).contains(Problem.HANDLER_THREAD_DIED);
                assertThat(consumer.getHealth().getDetail()).contains("OutOfMemoryError: test", "restart");

                Fixtures.publish(nc, stream.subject(), "order-2");
                Fixtures.assertStays(
                        "handler calls, past the first message's 2 s ack deadline", Duration.ofSeconds(3), calls::get);
                assertThat(calls).hasValue(1);
                assertThat(Fixtures.consumerInfo(nc, stream.name(), "dies").getNumPending())
                        .as("the second message was never pulled: the halted consumer asks for nothing")
                        .isEqualTo(1);
                assertThat(events.count(ConsumerEvent.Settled.class))
                        .as("no settle was sent")
                        .isZero();
            }

            EventRecorder next = new EventRecorder();
            try (ContractConsumer healthy = ContractConsumer.builder(nc, contract)
                    .handler(m -> {})
                    .listeners(next)
                    .build()) {
                healthy.start();
                MessageAcked redelivered =
                        next.await(MessageAcked.class, a -> a.streamSequence() == first, Duration.ofSeconds(10));
                assertThat(redelivered.deliveryCount())
                        .as("the dying thread's delivery counted; the message came back after its ack deadline")
                        .isEqualTo(2);
            }
        }
    }
}
