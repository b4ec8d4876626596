package dev.jscontract.testing.semantics;

import static dev.jscontract.testing.semantics.JsApi.createBody;
import static dev.jscontract.testing.semantics.JsApi.createConsumer;
import static dev.jscontract.testing.semantics.JsApi.has;
import static dev.jscontract.testing.semantics.JsApi.number;
import static dev.jscontract.testing.semantics.JsApi.requireSuccess;
import static dev.jscontract.testing.semantics.JsApi.stringMap;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.NatsServerMatrix;
import dev.jscontract.testing.WithNatsServer;
import io.nats.client.Connection;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.support.JsonValue;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * <b>B-01</b> (server defaults of a consumer) and the stream side of <b>B-22</b> (default duplicate window): what a
 * bare consumer or stream reads back. These defaults are policy the user did not choose, which is why the contract
 * linter insists on declaring AckWait, MaxDeliver and MaxAckPending (MD-001, MAP-001, UPD-001).
 */
@NatsServerMatrix
@Execution(ExecutionMode.CONCURRENT)
@WithNatsServer
@DisplayName("B-01, B-22: server defaults read back")
class ConsumerDefaultsIT {

    /**
     * B-01: a bare explicit-ack pull consumer reads back {@code ack_wait} 30 s, {@code max_deliver} -1,
     * {@code max_ack_pending} 1000 and {@code max_waiting} 512; from 2.11.0 the server adds only {@code _nats.*}
     * metadata keys, so a read-back diff must ignore them.
     */
    @Test
    @DisplayName(
            "B-01: bare explicit consumer reads back ack_wait 30s, max_deliver -1, max_ack_pending 1000, max_waiting 512")
    void bareExplicitConsumerReadsBackTheServerDefaults(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            Fixtures.TestStream stream = Fixtures.limits(nc, "DEF");
            JsonValue reply =
                    requireSuccess(createConsumer(nc, stream.name(), "C", createBody(stream.name(), "C", "", "")));

            assertThat(number(reply, "config", "ack_wait"))
                    .isEqualTo(Duration.ofSeconds(30).toNanos());
            assertThat(number(reply, "config", "max_deliver")).isEqualTo(-1);
            assertThat(number(reply, "config", "max_ack_pending")).isEqualTo(1000);
            assertThat(number(reply, "config", "max_waiting")).isEqualTo(512);
            assertThat(has(reply, "config", "backoff"))
                    .as("no backoff by default")
                    .isFalse();

            Map<String, String> metadata = stringMap(reply, "config", "metadata");
            if (server.isAtLeast(Since.ASSET_VERSION_METADATA)) {
                assertThat(metadata)
                        .as("server-added metadata on %s", server.version())
                        .containsOnlyKeys("_nats.level", "_nats.req.level", "_nats.ver")
                        .containsEntry("_nats.ver", server.version());
            } else {
                assertThat(metadata).as("no metadata on %s", server.version()).isEmpty();
            }
        }
    }

    /**
     * B-01: AckWait and MaxAckPending defaults apply only when acks are required. With {@code ack_policy: all} both
     * are filled in; with {@code ack_policy: none} neither appears in the read-back, while MaxDeliver is still -1.
     */
    @Test
    @DisplayName("B-01: ack_wait and max_ack_pending defaults apply to ack all, not to ack none")
    void ackDefaultsApplyOnlyWhenAcksAreRequired(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            Fixtures.TestStream stream = Fixtures.limits(nc, "DEF");
            JsonValue all = requireSuccess(createConsumer(
                    nc,
                    stream.name(),
                    "ALL",
                    createBody(stream.name(), "ALL", "", "").replace("explicit", "all")));
            JsonValue none = requireSuccess(createConsumer(
                    nc,
                    stream.name(),
                    "NONE",
                    createBody(stream.name(), "NONE", "", "").replace("explicit", "none")));

            assertThat(number(all, "config", "ack_wait"))
                    .isEqualTo(Duration.ofSeconds(30).toNanos());
            assertThat(number(all, "config", "max_ack_pending")).isEqualTo(1000);
            assertThat(has(none, "config", "ack_wait"))
                    .as("ack none has no ack_wait")
                    .isFalse();
            assertThat(has(none, "config", "max_ack_pending"))
                    .as("ack none has no max_ack_pending")
                    .isFalse();
            assertThat(number(none, "config", "max_deliver")).isEqualTo(-1);
            assertThat(number(none, "config", "max_waiting")).isEqualTo(512);
        }
    }

    /**
     * B-01 and B-15, limits: from 2.10.0 a stream's {@code consumer_limits} ({@code max_ack_pending: 50},
     * {@code inactive_threshold: 60s}) fill a bare consumer's unset values, and an explicit {@code max_ack_pending}
     * above the limit fails with 400/10121 "consumer max ack pending exceeds system limit of 50". Older servers drop
     * {@code consumer_limits}: the bare consumer gets 1000 and 100 is accepted.
     */
    @Test
    @DisplayName("B-01/B-15: stream consumer_limits fill defaults and cap max_ack_pending (10121) from 2.10.0")
    void streamConsumerLimitsFillAndCapConsumerValues(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            String s = JsApi.unique("DEFLIM");
            JsApi.requireSuccess(JsApi.request(
                    nc,
                    "$JS.API.STREAM.CREATE." + s,
                    "{\"name\":\"" + s + "\",\"subjects\":[\"" + s + ".>\"],"
                            + "\"consumer_limits\":{\"max_ack_pending\":50,\"inactive_threshold\":60000000000}}"));
            JsonValue bare = JsApi.requireSuccess(createConsumer(nc, s, "BARE", createBody(s, "BARE", "", "")));
            JsonValue above = createConsumer(nc, s, "ABOVE", createBody(s, "ABOVE", "\"max_ack_pending\":100", ""));

            if (server.isAtLeast(Since.STREAM_CONSUMER_LIMITS)) {
                assertThat(number(bare, "config", "max_ack_pending")).isEqualTo(50);
                assertThat(number(bare, "config", "inactive_threshold"))
                        .isEqualTo(Duration.ofSeconds(60).toNanos());
                assertThat(JsApi.requireError(above))
                        .isEqualTo(
                                new JsApi.ApiError(400, 10121, "consumer max ack pending exceeds system limit of 50"));
            } else {
                assertThat(number(bare, "config", "max_ack_pending")).isEqualTo(1000);
                assertThat(has(bare, "config", "inactive_threshold")).isFalse();
                assertThat(number(requireSuccess(above), "config", "max_ack_pending"))
                        .isEqualTo(100);
            }
        }
    }

    /**
     * B-22: a stream without {@code duplicate_window} reads back 120 s; with a shorter {@code max_age} the window is
     * lowered to MaxAge.
     */
    @Test
    @DisplayName("B-22: stream duplicate_window defaults to 120s, or to max_age when that is shorter")
    void streamDuplicateWindowDefaultsToTwoMinutesOrMaxAge(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            Fixtures.TestStream stream = Fixtures.limits(nc, "DEF");
            JsonValue info = JsApi.streamInfo(nc, stream.name());
            assertThat(number(info, "config", "duplicate_window"))
                    .isEqualTo(Duration.ofMinutes(2).toNanos());

            String shortName = JsApi.unique("DEFAGE");
            StreamConfiguration shortLived = nc.jetStreamManagement()
                    .addStream(StreamConfiguration.builder()
                            .name(shortName)
                            .subjects(shortName + ".>")
                            .maxAge(Duration.ofSeconds(30))
                            .build())
                    .getConfiguration();
            assertThat(shortLived.getDuplicateWindow()).isEqualTo(Duration.ofSeconds(30));
        }
    }
}
