package dev.jscontract.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.consumer.Fixtures.TestStream;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.PostgresDatabase;
import dev.jscontract.testing.WithNatsServer;
import dev.jscontract.testing.WithPostgres;
import io.nats.client.Connection;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A nats-server restart in the middle of a 10,000-message run with an inbox-backed handler: every message's side
 * effect happens exactly once and none is lost (B-06, B-17, IDEM-001).
 *
 * <p>Deliberately <b>not</b> in the version matrix: what is tested is the runtime's recovery (re-pulling after the
 * connection resubscribes or the server's heartbeats stop) and the inbox's transaction, not a version-dependent
 * server rule; the version-dependent pull behaviour is covered by the matrix classes. Running 10,000 messages once
 * keeps the module's test time down.
 */
@WithNatsServer
@WithPostgres
class ServerRestartInboxIT {
    private static final Logger LOG = LoggerFactory.getLogger(ServerRestartInboxIT.class);
    private static final int MESSAGES = 10_000;

    @Test
    void everySideEffectHappensExactlyOnceAcrossAServerRestart(NatsServer server, PostgresDatabase db)
            throws Exception {
        try (Connection nc = server.connect();
                InboxRun run = new InboxRun(db, "restart")) {
            TestStream stream = Fixtures.workQueue(nc, "RS");
            InboxRun.publish(nc, stream.subject(), MESSAGES);
            ConsumerContract contract = InboxRun.contract(stream.name(), "inboxed");
            EventRecorder events = new EventRecorder();
            try (ContractConsumer consumer = ContractConsumer.builder(nc, contract)
                    .handler(run.handler("inboxed"))
                    .listeners(events)
                    .build()) {
                consumer.start();
                Fixtures.await("a third done", Duration.ofSeconds(60), () -> run.effectsOrZero() >= MESSAGES / 3);
                long before = run.effects();
                server.restart();
                LOG.info("restarted nats-server {} after {} side effects", server.version(), before);
                Fixtures.await("all done", Duration.ofSeconds(120), () -> run.effectsOrZero() >= MESSAGES);
                InboxRun.awaitAllAcked(nc, stream.name(), "inboxed", Duration.ofSeconds(60));
                run.assertExactlyOnce(MESSAGES);
                run.assertBoundedRedeliveries(MESSAGES, events.count(ConsumerEvent.Settled.class));
                assertThat(events.count(ConsumerEvent.MessageDeadLettered.class))
                        .isZero();
                LOG.info(
                        "restart run: {} settles and {} handler invocations for {} messages, {} pull errors",
                        events.count(ConsumerEvent.Settled.class),
                        run.invocations(),
                        MESSAGES,
                        events.count(ConsumerEvent.PullError.class));
            }
        }
    }
}
