package dev.jscontract.testing.semantics;

import static dev.jscontract.testing.semantics.JsApi.createBody;
import static dev.jscontract.testing.semantics.JsApi.createConsumer;
import static dev.jscontract.testing.semantics.JsApi.number;
import static dev.jscontract.testing.semantics.JsApi.string;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.NatsServerMatrix;
import dev.jscontract.testing.WithNatsServer;
import io.nats.client.Connection;
import io.nats.client.FetchConsumeOptions;
import io.nats.client.FetchConsumer;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.Message;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.support.JsonValue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * <b>B-18</b> (immutable consumer fields: update refused with 500/10012; {@code mem_storage} from 2.14.4), <b>B-19</b> (mutable fields: update
 * accepted and read back, filter subject on 2.10+) and <b>B-20</b> (the create request's {@code action}: 10148 /
 * 10149 from 2.10.0, ignored by 2.9, where create and update are both add-or-update). Ground for UPD-001, UPD-002
 * and UPD-003.
 */
@NatsServerMatrix
@Execution(ExecutionMode.CONCURRENT)
@WithNatsServer
@DisplayName("B-18, B-19, B-20: consumer updates and the create/update action")
class ConsumerUpdateIT {
    /**
     * B-18: on an explicit-ack pull consumer, each of these updates is refused with 500/10012 and leaves the consumer
     * as it was: deliver_policy (also via by_start_sequence + opt_start_seq), ack_policy, replay_policy, max_waiting,
     * and pull to push (a deliver_subject). The pull-to-push text is "can not update pull consumer to push based"
     * from 2.10.26; before, the max_waiting check ran first and said "max waiting can not be updated". jnats
     * {@code addOrUpdateConsumer} surfaces the same error as a {@link JetStreamApiException}.
     */
    @Test
    @DisplayName(
            "B-18: deliver/ack/replay policy, max_waiting, pull->push updates -> 500/10012 '<field> can not be updated'")
    void immutableFieldUpdatesAreRefusedWith10012(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            Fixtures.TestStream stream = Fixtures.limits(nc, "UPD");
            String s = stream.name();
            JsonValue created = JsApi.requireSuccess(createConsumer(nc, s, "C", createBody(s, "C", "", "")));

            Map<String, String> changes = new LinkedHashMap<>();
            changes.put("\"deliver_policy\":\"last\"", "deliver policy can not be updated");
            changes.put(
                    "\"deliver_policy\":\"by_start_sequence\",\"opt_start_seq\":5",
                    "deliver policy can not be updated");
            changes.put("\"replay_policy\":\"original\"", "replay policy can not be updated");
            changes.put("\"max_waiting\":10", "max waiting can not be updated");
            changes.put(
                    "\"deliver_subject\":\"" + s + "_push\"",
                    server.isAtLeast(Since.PULL_TO_PUSH_MESSAGE)
                            ? "can not update pull consumer to push based"
                            : "max waiting can not be updated");
            for (Map.Entry<String, String> change : changes.entrySet()) {
                JsonValue reply = createConsumer(nc, s, "C", createBody(s, "C", change.getKey(), ""));
                assertThat(JsApi.requireError(reply))
                        .as("update %s", change.getKey())
                        .isEqualTo(new JsApi.ApiError(500, 10012, change.getValue()));
            }
            JsonValue ackAll =
                    createConsumer(nc, s, "C", createBody(s, "C", "", "").replace("explicit", "all"));
            assertThat(JsApi.requireError(ackAll))
                    .isEqualTo(new JsApi.ApiError(500, 10012, "ack policy can not be updated"));

            JetStreamManagement jsm = nc.jetStreamManagement();
            assertThatThrownBy(() -> jsm.addOrUpdateConsumer(
                            s,
                            Fixtures.durable("C")
                                    .deliverPolicy(DeliverPolicy.New)
                                    .build()))
                    .isInstanceOfSatisfying(JetStreamApiException.class, e -> {
                        assertThat(e.getErrorCode()).isEqualTo(500);
                        assertThat(e.getApiErrorCode()).isEqualTo(10012);
                        assertThat(e.getErrorDescription()).isEqualTo("deliver policy can not be updated");
                    });

            JsonValue after = JsApi.consumerInfo(nc, s, "C");
            assertThat(JsApi.field(after, "config")).isEqualTo(JsApi.field(created, "config"));
        }
    }

    /**
     * B-18, {@code mem_storage}: from 2.14.4 switching an existing consumer to memory storage is refused with
     * 500/10012 "storage type can not be updated"; before, the update is accepted and the read-back says
     * {@code mem_storage: true}.
     */
    @Test
    @DisplayName("B-18: mem_storage update -> 500/10012 from 2.14.4; accepted (and read back) before")
    void memStorageUpdateIsRefusedFrom2144(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            Fixtures.TestStream stream = Fixtures.limits(nc, "UPD");
            String s = stream.name();
            JsApi.requireSuccess(createConsumer(nc, s, "C", createBody(s, "C", "", "")));
            JsonValue reply = createConsumer(nc, s, "C", createBody(s, "C", "\"mem_storage\":true", ""));
            if (server.isAtLeast(Since.MEM_STORAGE_IMMUTABLE)) {
                assertThat(JsApi.requireError(reply))
                        .isEqualTo(new JsApi.ApiError(500, 10012, "storage type can not be updated"));
            } else {
                JsonValue memStorage = JsApi.field(JsApi.requireSuccess(reply), "config", "mem_storage");
                assertThat(memStorage).isNotNull();
                assertThat(memStorage.bool).isTrue();
            }
        }
    }

    /**
     * B-19: ack_wait, max_deliver, max_ack_pending, backoff, description, inactive_threshold, max_batch, max_expires
     * and headers_only are accepted in one update and read back; from 2.10.0 metadata is updatable too.
     */
    @Test
    @DisplayName("B-19: ack_wait, max_deliver, max_ack_pending, backoff, description, ... are updatable and read back")
    void mutableFieldUpdatesAreAppliedAndReadBack(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            Fixtures.TestStream stream = Fixtures.limits(nc, "UPD");
            JetStreamManagement jsm = nc.jetStreamManagement();
            jsm.addOrUpdateConsumer(stream.name(), Fixtures.durable("C").build());

            ConsumerConfiguration.Builder update = Fixtures.durable("C")
                    .ackWait(Duration.ofSeconds(5))
                    .backoff(Duration.ofSeconds(5), Duration.ofSeconds(10))
                    .maxDeliver(5)
                    .maxAckPending(7)
                    .description("updated")
                    .inactiveThreshold(Duration.ofMinutes(10))
                    .maxBatch(10)
                    .maxExpires(Duration.ofSeconds(9))
                    .headersOnly(true);
            if (server.isAtLeast(Since.FILTER_SUBJECTS_AND_METADATA)) {
                update.metadata(Map.of("owner", "payments"));
            }
            ConsumerConfiguration read =
                    jsm.addOrUpdateConsumer(stream.name(), update.build()).getConsumerConfiguration();

            assertThat(read.getAckWait()).isEqualTo(Duration.ofSeconds(5));
            assertThat(read.getBackoff()).containsExactly(Duration.ofSeconds(5), Duration.ofSeconds(10));
            assertThat(read.getMaxDeliver()).isEqualTo(5);
            assertThat(read.getMaxAckPending()).isEqualTo(7);
            assertThat(read.getDescription()).isEqualTo("updated");
            assertThat(read.getInactiveThreshold()).isEqualTo(Duration.ofMinutes(10));
            assertThat(read.getMaxBatch()).isEqualTo(10);
            assertThat(read.getMaxExpires()).isEqualTo(Duration.ofSeconds(9));
            assertThat(read.isHeadersOnly()).isTrue();
            if (server.isAtLeast(Since.FILTER_SUBJECTS_AND_METADATA)) {
                assertThat(read.getMetadata()).containsEntry("owner", "payments");
            }
        }
    }

    /**
     * B-19, filter subject, on a consumer that has delivered nothing yet. A literal-to-literal change ({@code <s>.a} to
     * {@code <s>.b}) is accepted, read back and applied on every version. A literal-to-wildcard change ({@code <s>.a}
     * to {@code <s>.*}) is accepted and read back everywhere, but before 2.9.12 the server keeps the old "literal
     * filter" state: {@code num_pending} counts the three matching messages, but a pull delivers <em>none</em> of
     * them and moves past them, so afterwards {@code num_pending} is 0 and they are lost to this consumer. From
     * 2.9.12 it delivers all three.
     */
    @Test
    @DisplayName("B-19: filter_subject update applies from 2.9.12; before, literal->wildcard silently skips messages")
    void filterSubjectUpdate(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            Fixtures.TestStream stream = Fixtures.limits(nc, "UPD");
            String s = stream.name();
            JetStreamManagement jsm = nc.jetStreamManagement();
            jsm.addOrUpdateConsumer(
                    s,
                    Fixtures.durable("LIT").filterSubject(stream.subject("a")).build());
            ConsumerInfo literal = jsm.addOrUpdateConsumer(
                    s,
                    Fixtures.durable("LIT").filterSubject(stream.subject("b")).build());
            assertThat(literal.getConsumerConfiguration().getFilterSubject()).isEqualTo(stream.subject("b"));
            // jnats puts the filter into the create subject, where a '*' token does not work: send it raw.
            String toA = "\"filter_subject\":\"" + stream.subject("a") + "\"";
            String toWildcard = "\"filter_subject\":\"" + stream.subject("*") + "\"";
            JsApi.requireSuccess(createConsumer(nc, s, "WC", createBody(s, "WC", toA, "")));
            JsonValue wildcard = JsApi.requireSuccess(createConsumer(nc, s, "WC", createBody(s, "WC", toWildcard, "")));
            assertThat(string(wildcard, "config", "filter_subject")).isEqualTo(stream.subject("*"));

            Fixtures.publish(nc, stream.subject("a"), "a");
            Fixtures.publish(nc, stream.subject("b"), "b");
            Fixtures.publish(nc, stream.subject("c"), "c");

            assertThat(drain(nc, s, "LIT")).containsExactly(stream.subject("b"));
            if (server.isAtLeast(Since.FILTER_UPDATE_APPLIED)) {
                assertThat(drain(nc, s, "WC"))
                        .containsExactly(stream.subject("a"), stream.subject("b"), stream.subject("c"));
            } else {
                assertThat(number(JsApi.consumerInfo(nc, s, "WC"), "num_pending"))
                        .as("the three matching messages are counted as pending")
                        .isEqualTo(3);
                assertThat(drain(nc, s, "WC"))
                        .as("stale literal filter state: nothing delivered")
                        .isEmpty();
                assertThat(number(JsApi.consumerInfo(nc, s, "WC"), "num_pending"))
                        .as("the pull skipped past them: they are lost to this consumer")
                        .isZero();
            }
        }
    }

    /** Fetches up to 3 messages (1 s), acks them, and returns their subjects. */
    private static List<String> drain(Connection nc, String stream, String consumer) throws Exception {
        List<String> subjects = new ArrayList<>();
        try (FetchConsumer fetch = nc.getConsumerContext(stream, consumer)
                .fetch(FetchConsumeOptions.builder()
                        .maxMessages(3)
                        .expiresIn(1000)
                        .build())) {
            for (Message m = fetch.nextMessage(); m != null; m = fetch.nextMessage()) {
                subjects.add(m.getSubject());
                m.ack();
            }
        }
        return subjects;
    }

    /**
     * B-20 through jnats, which sends {@code action} with no version check: {@code createConsumer} for an existing
     * consumer with a different AckWait fails with 400/10148 "consumer already exists" from 2.10.0, and on 2.9
     * silently updates it; {@code updateConsumer} for a missing consumer fails with 400/10149 "consumer does not
     * exist" from 2.10.0, and on 2.9 creates it. {@code createConsumer} with the identical config succeeds
     * everywhere.
     */
    @Test
    @DisplayName(
            "B-20: createConsumer on existing -> 10148, updateConsumer on missing -> 10149 from 2.10.0; 2.9 add-or-updates")
    void createAndUpdateActionsByVersion(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            Fixtures.TestStream stream = Fixtures.limits(nc, "UPD");
            JetStreamManagement jsm = nc.jetStreamManagement();
            ConsumerConfiguration original =
                    Fixtures.durable("C").ackWait(Duration.ofSeconds(30)).build();
            jsm.createConsumer(stream.name(), original);
            assertThat(jsm.createConsumer(stream.name(), original)
                            .getConsumerConfiguration()
                            .getAckWait())
                    .as("create with the identical config is idempotent")
                    .isEqualTo(Duration.ofSeconds(30));

            ConsumerConfiguration different =
                    Fixtures.durable("C").ackWait(Duration.ofSeconds(7)).build();
            ConsumerConfiguration missing = Fixtures.durable("MISSING").build();
            if (server.isAtLeast(Since.CONSUMER_ACTION)) {
                assertApiError(
                        () -> jsm.createConsumer(stream.name(), different), 400, 10148, "consumer already exists");
                assertApiError(() -> jsm.updateConsumer(stream.name(), missing), 400, 10149, "consumer does not exist");
                assertThat(jsm.getConsumerInfo(stream.name(), "C")
                                .getConsumerConfiguration()
                                .getAckWait())
                        .isEqualTo(Duration.ofSeconds(30));
                assertThat(jsm.getConsumerNames(stream.name())).containsExactly("C");
            } else {
                assertThat(jsm.createConsumer(stream.name(), different)
                                .getConsumerConfiguration()
                                .getAckWait())
                        .as("2.9 ignores action create and updates")
                        .isEqualTo(Duration.ofSeconds(7));
                assertThat(jsm.updateConsumer(stream.name(), missing).getName())
                        .as("2.9 ignores action update and creates")
                        .isEqualTo("MISSING");
                assertThat(jsm.getConsumerNames(stream.name())).containsExactlyInAnyOrder("C", "MISSING");
            }
        }
    }

    private interface ApiCall {
        void run() throws Exception;
    }

    private static void assertApiError(ApiCall call, int code, int errCode, String description) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(JetStreamApiException.class, e -> {
            assertThat(e.getErrorCode()).isEqualTo(code);
            assertThat(e.getApiErrorCode()).isEqualTo(errCode);
            assertThat(e.getErrorDescription()).isEqualTo(description);
        });
    }
}
