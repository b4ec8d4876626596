package dev.jscontract.testing.semantics;

import static dev.jscontract.testing.semantics.JsApi.createBody;
import static dev.jscontract.testing.semantics.JsApi.createConsumer;
import static dev.jscontract.testing.semantics.JsApi.number;
import static dev.jscontract.testing.semantics.JsApi.numbers;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.NatsServerMatrix;
import dev.jscontract.testing.WithNatsServer;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.support.JsonValue;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * <b>B-02</b> (BackOff replaces AckWait: the read-back {@code ack_wait} is BackOff[0], a different AckWait is ignored,
 * and from 2.11.0 {@code pedantic} mode rejects it with 10157) and <b>B-04</b> (MaxDeliver against len(BackOff),
 * err 10116, with a rule that changed in 2.10.14 and 2.10.23) and <b>B-05</b> (negative BackOff / AckWait
 * rejected only from 2.12.0). Ground for BO-001 and BO-003.
 */
@NatsServerMatrix
@Execution(ExecutionMode.CONCURRENT)
@WithNatsServer
@DisplayName("B-02, B-04, B-05: BackOff replaces AckWait; MaxDeliver vs len(BackOff); negative durations")
class BackoffConfigIT {
    private static final Duration B0 = Duration.ofSeconds(1);
    private static final Duration B1 = Duration.ofSeconds(2);
    private static final String BACKOFF_JSON = "\"backoff\":[1000000000,2000000000]";
    private static final String MAX_DELIVER_TEXT = "max deliver is required to be > length of backoff values";

    /**
     * B-02 through jnats: {@code ackWait(60s)} with {@code backoff(1s, 2s)} and {@code maxDeliver(3)} is accepted
     * and reads back {@code ack_wait = 1s} on every version (without pedantic mode).
     */
    @Test
    @DisplayName("B-02: ack_wait 60s with backoff [1s,2s] reads back ack_wait 1s")
    void backoffReplacesAckWait(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            Fixtures.TestStream stream = Fixtures.limits(nc, "BO");
            ConsumerInfo info = nc.jetStreamManagement()
                    .addOrUpdateConsumer(
                            stream.name(),
                            Fixtures.durable("C")
                                    .ackWait(Duration.ofSeconds(60))
                                    .backoff(B0, B1)
                                    .maxDeliver(3)
                                    .build());
            assertThat(info.getConsumerConfiguration().getAckWait()).isEqualTo(B0);
            assertThat(info.getConsumerConfiguration().getBackoff()).containsExactly(B0, B1);
        }
    }

    /**
     * B-02 pedantic: from 2.11.0 a create request with {@code "pedantic": true} and {@code ack_wait != backoff[0]}
     * (also with {@code ack_wait} left out) fails with 400/10157; with {@code ack_wait == backoff[0]} it succeeds.
     * Older servers do not know {@code pedantic}, ignore it and overwrite AckWait as usual.
     */
    @Test
    @DisplayName("B-02: pedantic create with ack_wait != backoff[0] -> 400/10157 from 2.11.0; overwritten before")
    void pedanticModeRejectsAckWaitThatDiffersFromFirstBackoff(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            Fixtures.TestStream stream = Fixtures.limits(nc, "BO");
            String s = stream.name();
            JsonValue differs = createConsumer(
                    nc,
                    s,
                    "DIFF",
                    createBody(
                            s,
                            "DIFF",
                            "\"ack_wait\":60000000000," + BACKOFF_JSON + ",\"max_deliver\":3",
                            "\"pedantic\":true"));
            JsonValue missing = createConsumer(
                    nc, s, "MISS", createBody(s, "MISS", BACKOFF_JSON + ",\"max_deliver\":3", "\"pedantic\":true"));
            JsonValue equal = createConsumer(
                    nc,
                    s,
                    "EQ",
                    createBody(
                            s,
                            "EQ",
                            "\"ack_wait\":1000000000," + BACKOFF_JSON + ",\"max_deliver\":3",
                            "\"pedantic\":true"));

            JsApi.requireSuccess(equal);
            if (server.isAtLeast(Since.PAUSE_PRIORITY_PEDANTIC)) {
                JsApi.ApiError expected =
                        new JsApi.ApiError(400, 10157, "pedantic mode: first backoff value has to equal batch AckWait");
                assertThat(JsApi.requireError(differs)).isEqualTo(expected);
                assertThat(JsApi.requireError(missing)).isEqualTo(expected);
            } else {
                assertThat(number(JsApi.requireSuccess(differs), "config", "ack_wait"))
                        .isEqualTo(B0.toNanos());
                assertThat(number(JsApi.requireSuccess(missing), "config", "ack_wait"))
                        .isEqualTo(B0.toNanos());
            }
        }
    }

    /**
     * B-04 with {@code backoff=[1s,2s]} (two entries) through jnats, per MaxDeliver value:
     *
     * <ul>
     *   <li>unset: 10116 before 2.10.14 (the -1 default is checked as if it were a limit); accepted from 2.10.14,
     *       reading back {@code max_deliver=-1};
     *   <li>2 (== len): 10116 before 2.10.23; accepted from 2.10.23;
     *   <li>1 (&lt; len): 10116 on every version;
     *   <li>3 (&gt; len): accepted on every version (the portable rule of BO-003).
     * </ul>
     *
     * The error is 400/10116 with the text "max deliver is required to be &gt; length of backoff values" everywhere.
     */
    @Test
    @DisplayName("B-04: backoff [1s,2s]: max_deliver unset / 2 / 1 / 3 accepted or 400/10116 by version")
    void maxDeliverAgainstBackoffLengthByVersion(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            Fixtures.TestStream stream = Fixtures.limits(nc, "BO");
            JetStreamManagement jsm = nc.jetStreamManagement();

            ConsumerConfiguration unset =
                    Fixtures.durable("UNSET").backoff(B0, B1).build();
            if (server.isAtLeast(Since.BACKOFF_WITH_UNLIMITED_MAX_DELIVER)) {
                assertThat(jsm.addOrUpdateConsumer(stream.name(), unset)
                                .getConsumerConfiguration()
                                .getMaxDeliver())
                        .isEqualTo(-1);
            } else {
                assertRejected10116(() -> jsm.addOrUpdateConsumer(stream.name(), unset));
            }

            ConsumerConfiguration equal =
                    Fixtures.durable("EQUAL").backoff(B0, B1).maxDeliver(2).build();
            if (server.isAtLeast(Since.BACKOFF_LENGTH_EQUAL_TO_MAX_DELIVER)) {
                assertThat(jsm.addOrUpdateConsumer(stream.name(), equal)
                                .getConsumerConfiguration()
                                .getMaxDeliver())
                        .isEqualTo(2);
            } else {
                assertRejected10116(() -> jsm.addOrUpdateConsumer(stream.name(), equal));
            }

            assertRejected10116(() -> jsm.addOrUpdateConsumer(
                    stream.name(),
                    Fixtures.durable("LESS").backoff(B0, B1).maxDeliver(1).build()));

            ConsumerInfo more = jsm.addOrUpdateConsumer(
                    stream.name(),
                    Fixtures.durable("MORE").backoff(B0, B1).maxDeliver(3).build());
            assertThat(more.getConsumerConfiguration().getMaxDeliver()).isEqualTo(3);
            assertThat(numbers(JsApi.consumerInfo(nc, stream.name(), "MORE"), "config", "backoff"))
                    .isEqualTo(List.of(B0.toNanos(), B1.toNanos()));
        }
    }

    /**
     * B-05 (raw requests; jnats would not send these): a negative BackOff entry fails with 400/10184 "consumer
     * backoff needs to be positive" and a negative AckWait with 400/10183 "consumer ack wait needs to be positive"
     * from 2.12.0. Before, both are accepted and read back negative (2.9.10 and 2.10.27 alike).
     */
    @Test
    @DisplayName("B-05: negative backoff -> 400/10184, negative ack_wait -> 400/10183 from 2.12.0; accepted before")
    void negativeDurationsAreRejectedFrom2120(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            Fixtures.TestStream stream = Fixtures.limits(nc, "BO");
            String s = stream.name();
            JsonValue negativeBackoff = createConsumer(
                    nc, s, "NB", createBody(s, "NB", "\"backoff\":[-1000000000,2000000000],\"max_deliver\":3", ""));
            JsonValue negativeAckWait =
                    createConsumer(nc, s, "NA", createBody(s, "NA", "\"ack_wait\":-1000000000", ""));
            if (server.isAtLeast(Since.NEGATIVE_DURATIONS_REJECTED)) {
                assertThat(JsApi.requireError(negativeBackoff))
                        .isEqualTo(new JsApi.ApiError(400, 10184, "consumer backoff needs to be positive"));
                assertThat(JsApi.requireError(negativeAckWait))
                        .isEqualTo(new JsApi.ApiError(400, 10183, "consumer ack wait needs to be positive"));
            } else {
                assertThat(numbers(JsApi.requireSuccess(negativeBackoff), "config", "backoff"))
                        .containsExactly(-1_000_000_000L, 2_000_000_000L);
                assertThat(number(JsApi.requireSuccess(negativeAckWait), "config", "ack_wait"))
                        .isEqualTo(-1_000_000_000L);
            }
        }
    }

    private interface ApiCall {
        void run() throws Exception;
    }

    private static void assertRejected10116(ApiCall call) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(JetStreamApiException.class, e -> {
            assertThat(e.getErrorCode()).isEqualTo(400);
            assertThat(e.getApiErrorCode()).isEqualTo(10116);
            assertThat(e.getErrorDescription()).isEqualTo(MAX_DELIVER_TEXT);
        });
    }
}
