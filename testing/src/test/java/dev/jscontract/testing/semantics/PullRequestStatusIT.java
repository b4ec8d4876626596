package dev.jscontract.testing.semantics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.NatsServerMatrix;
import dev.jscontract.testing.WithNatsServer;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Subscription;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * <b>B-24</b>: raw pull requests ({@code $JS.API.CONSUMER.MSG.NEXT.<stream>.<consumer>}) and the status replies
 * jnats turns into warnings or errors (and which {@code consume()} never throws). Ground for CON-001.
 */
@NatsServerMatrix
@Execution(ExecutionMode.CONCURRENT)
@WithNatsServer
@DisplayName("B-24: pull request status replies 404, 408, 409, 100")
class PullRequestStatusIT {
    private static final Logger LOG = LoggerFactory.getLogger(PullRequestStatusIT.class);

    /**
     * On an empty consumer with {@code max_batch=5}: {@code no_wait} gets 404 "No Messages"; {@code expires=1s} gets
     * 408 "Request Timeout" after about a second; {@code batch=10} gets 409 "Exceeded MaxRequestBatch of 5"; a request
     * with {@code idle_heartbeat=500ms} and {@code expires=2s} gets 100 "Idle Heartbeat" status messages before its
     * 408.
     */
    @Test
    @DisplayName("B-24: no_wait -> 404, expires -> 408, batch > max_batch -> 409, idle_heartbeat -> 100")
    void pullRequestStatusReplies(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            Fixtures.TestStream stream = Fixtures.limits(nc, "PULL");
            Fixtures.consumer(nc, stream, Fixtures.durable("C").maxBatch(5).build());
            String next = "$JS.API.CONSUMER.MSG.NEXT." + stream.name() + ".C";

            assertStatus(nc, next, "{\"batch\":1,\"no_wait\":true}", 404, "No Messages");
            long start = Timing.now();
            assertStatus(nc, next, "{\"batch\":1,\"expires\":1000000000}", 408, "Request Timeout");
            Timing.assertTimer(server, Timing.since(start), Duration.ofSeconds(1), "pull expires=1s -> 408");
            assertStatus(nc, next, "{\"batch\":10,\"expires\":1000000000}", 409, "Exceeded MaxRequestBatch of 5");

            String inbox = nc.createInbox();
            Subscription sub = nc.subscribe(inbox);
            nc.flush(JsApi.API_TIMEOUT);
            nc.publish(
                    next,
                    inbox,
                    "{\"batch\":1,\"expires\":2000000000,\"idle_heartbeat\":500000000}"
                            .getBytes(StandardCharsets.UTF_8));
            Message heartbeat = Objects.requireNonNull(sub.nextMessage(Duration.ofSeconds(2)), "an idle heartbeat");
            assertThat(heartbeat.getStatus().getCode()).isEqualTo(100);
            assertThat(heartbeat.getStatus().getMessage()).isEqualTo("Idle Heartbeat");
            sub.unsubscribe();
        }
    }

    private static void assertStatus(Connection nc, String subject, String body, int code, String text)
            throws Exception {
        String inbox = nc.createInbox();
        Subscription sub = nc.subscribe(inbox);
        nc.flush(JsApi.API_TIMEOUT);
        nc.publish(subject, inbox, body.getBytes(StandardCharsets.UTF_8));
        Message reply = Objects.requireNonNull(sub.nextMessage(Duration.ofSeconds(5)), "a status reply to " + body);
        sub.unsubscribe();
        LOG.info(
                "pull {} -> {} {}",
                body,
                reply.getStatus().getCode(),
                reply.getStatus().getMessage());
        assertThat(reply.isStatusMessage()).as("status reply to %s", body).isTrue();
        assertThat(reply.getStatus().getCode()).as("status code for %s", body).isEqualTo(code);
        assertThat(reply.getStatus().getMessage())
                .as("status text for %s", body)
                .isEqualTo(text);
    }
}
