package dev.jscontract.spring.boot.autoconfigure;

import dev.jscontract.contract.Backoff;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.contract.DeadLetterPolicy;
import io.nats.client.Connection;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/** Test streams and contracts with unique names. */
final class Streams {
    private static final AtomicInteger SEQ = new AtomicInteger();

    private Streams() {}

    /** A unique stream name with this prefix. */
    static String unique(String prefix) {
        return prefix + "_" + ProcessHandle.current().pid() + "_" + SEQ.incrementAndGet();
    }

    /** Creates a work-queue stream {@code name} on subject {@code name.>}. */
    static void create(Connection nc, String name) throws Exception {
        nc.jetStreamManagement()
                .addStream(StreamConfiguration.builder()
                        .name(name)
                        .subjects(name + ".>")
                        .retentionPolicy(RetentionPolicy.WorkQueue)
                        .storageType(StorageType.File)
                        .duplicateWindow(Duration.ofMinutes(30))
                        .build());
    }

    /** A contract on {@code stream} with durable {@code durable}: 2 s ack wait, 3 deliveries, 100 ms backoff, 2 threads, 16 pending. */
    static ConsumerContract contract(String stream, String durable) {
        return ConsumerContract.builder().stream(stream)
                .durable(durable)
                .ackWait(Duration.ofSeconds(2))
                .maxDeliver(3)
                .backoff(Backoff.fixed(Duration.ofMillis(100)))
                .deadLetter(DeadLetterPolicy.toDefaultSubject())
                .concurrency(2)
                .maxAckPending(16)
                .build();
    }

    static ConsumerInfo info(Connection nc, String stream, String durable) throws Exception {
        return nc.jetStreamManagement().getConsumerInfo(stream, durable);
    }
}
