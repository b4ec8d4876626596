package dev.jscontract.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.consumer.Fixtures.TestStream;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.testing.NatsCluster;
import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.PostgresDatabase;
import dev.jscontract.testing.WithNatsCluster;
import dev.jscontract.testing.WithPostgres;
import io.nats.client.Connection;
import io.nats.client.api.RetentionPolicy;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A 3-node cluster, an R3 WorkQueue stream, and its leader killed (SIGKILL) in the middle of a 10,000-message run with
 * an inbox-backed handler: every side effect exactly once, none lost.
 *
 * <p>Not in the version matrix, for the same reason as {@link ServerRestartInboxIT}: it tests the runtime's recovery
 * and the inbox, and a cluster run per version would triple the module's longest test.
 */
@WithNatsCluster
@WithPostgres
class ClusterLeaderLossIT {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterLeaderLossIT.class);
    private static final int MESSAGES = 10_000;

    @Test
    void everySideEffectHappensExactlyOnceWhenTheStreamLeaderIsKilled(NatsCluster cluster, PostgresDatabase db)
            throws Exception {
        try (Connection nc = cluster.connect();
                InboxRun run = new InboxRun(db, "cluster")) {
            TestStream stream = Fixtures.stream(nc, "CL", RetentionPolicy.WorkQueue, 3);
            InboxRun.publish(nc, stream.subject(), MESSAGES);
            ConsumerContract contract = InboxRun.contract(stream.name(), "inboxed");
            EventRecorder events = new EventRecorder();
            try (ContractConsumer consumer = ContractConsumer.builder(nc, contract)
                    .handler(run.handler("inboxed"))
                    .listeners(events)
                    .build()) {
                consumer.start();
                Fixtures.await("a third done", Duration.ofSeconds(60), () -> run.effectsOrZero() >= MESSAGES / 3);
                NatsServer leader = cluster.streamLeader(stream.name());
                long before = run.effects();
                leader.kill();
                NatsServer next = cluster.awaitNewStreamLeader(stream.name(), leader, Duration.ofSeconds(30));
                LOG.info(
                        "killed stream leader {} after {} side effects; new leader {}",
                        leader.name(),
                        before,
                        next.name());
                Fixtures.await(
                        "two thirds done", Duration.ofSeconds(120), () -> run.effectsOrZero() >= 2L * MESSAGES / 3);
                leader.start();
                Fixtures.await("all done", Duration.ofSeconds(120), () -> run.effectsOrZero() >= MESSAGES);
                InboxRun.awaitAllAcked(nc, stream.name(), "inboxed", Duration.ofSeconds(60));
                run.assertExactlyOnce(MESSAGES);
                run.assertBoundedRedeliveries(MESSAGES, events.count(ConsumerEvent.Settled.class));
                assertThat(events.count(ConsumerEvent.MessageDeadLettered.class))
                        .isZero();
                LOG.info(
                        "leader-loss run: {} settles and {} handler invocations for {} messages, {} pull errors",
                        events.count(ConsumerEvent.Settled.class),
                        run.invocations(),
                        MESSAGES,
                        events.count(ConsumerEvent.PullError.class));
            }
        }
    }
}
