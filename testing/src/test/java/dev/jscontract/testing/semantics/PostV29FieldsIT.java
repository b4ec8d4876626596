package dev.jscontract.testing.semantics;

import static dev.jscontract.testing.semantics.JsApi.createBody;
import static dev.jscontract.testing.semantics.JsApi.createConsumer;
import static dev.jscontract.testing.semantics.JsApi.has;
import static dev.jscontract.testing.semantics.JsApi.number;
import static dev.jscontract.testing.semantics.JsApi.string;
import static dev.jscontract.testing.semantics.JsApi.stringMap;
import static dev.jscontract.testing.semantics.JsApi.strings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.NatsServerMatrix;
import dev.jscontract.testing.WithNatsServer;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.support.JsonValue;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * <b>B-21</b>: consumer fields added after 2.9 ({@code filter_subjects}, {@code metadata}, {@code pause_until},
 * {@code priority_groups}, {@code priority_policy}) are silently dropped by servers that do not know them, and from
 * 2.12.0 unknown JSON fields are rejected (10025) instead of ignored. Ground for VER-001, VER-002 and UPD-001.
 */
@NatsServerMatrix
@Execution(ExecutionMode.CONCURRENT)
@WithNatsServer
@DisplayName("B-21: post-2.9 consumer fields and unknown JSON fields by version")
class PostV29FieldsIT {
    private static final String PAUSE_UNTIL = "2099-01-01T00:00:00Z";

    /**
     * One raw create with {@code filter_subjects=[<s>.a,<s>.b]}, {@code metadata={owner:payments}},
     * {@code pause_until}, {@code priority_groups=[g]}, {@code priority_policy=overflow}, on a stream holding one
     * message each on {@code <s>.a}, {@code <s>.b} and {@code <s>.c}. Accepted everywhere. Read back: before 2.10.0
     * none of the five, and the consumer counts all 3 messages as pending (the dropped filter means every subject);
     * from 2.10.0 filter_subjects and metadata (2 pending); from 2.11.0 also pause_until, the priority settings and
     * {@code paused: true}. Server-added {@code _nats.*} metadata is ignored in the comparison.
     */
    @Test
    @DisplayName("B-21: filter_subjects/metadata kept from 2.10, pause_until/priority_* from 2.11, all dropped by 2.9")
    void postV29FieldsAreDroppedByServersThatDoNotKnowThem(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            Fixtures.TestStream stream = Fixtures.limits(nc, "NEW");
            String s = stream.name();
            for (String token : new String[] {"a", "b", "c"}) {
                Fixtures.publish(nc, stream.subject(token), token);
            }
            String fields = "\"filter_subjects\":[\"" + stream.subject("a") + "\",\"" + stream.subject("b") + "\"],"
                    + "\"metadata\":{\"owner\":\"payments\"},"
                    + "\"pause_until\":\"" + PAUSE_UNTIL + "\","
                    + "\"priority_groups\":[\"g\"],\"priority_policy\":\"overflow\"";
            JsonValue reply = JsApi.requireSuccess(createConsumer(nc, s, "C", createBody(s, "C", fields, "")));
            JsonValue info = JsApi.consumerInfo(nc, s, "C");

            Map<String, String> userMetadata = stringMap(reply, "config", "metadata").entrySet().stream()
                    .filter(e -> !e.getKey().startsWith("_nats."))
                    .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
            if (server.isAtLeast(Since.FILTER_SUBJECTS_AND_METADATA)) {
                assertThat(strings(reply, "config", "filter_subjects"))
                        .containsExactly(stream.subject("a"), stream.subject("b"));
                assertThat(userMetadata).isEqualTo(Map.of("owner", "payments"));
                assertThat(number(info, "num_pending")).isEqualTo(2);
            } else {
                assertThat(has(reply, "config", "filter_subjects")).isFalse();
                assertThat(has(reply, "config", "filter_subject")).isFalse();
                assertThat(userMetadata).isEmpty();
                assertThat(number(info, "num_pending"))
                        .as("dropped filter_subjects: the consumer takes every subject")
                        .isEqualTo(3);
            }
            if (server.isAtLeast(Since.PAUSE_PRIORITY_PEDANTIC)) {
                assertThat(string(reply, "config", "pause_until")).isEqualTo(PAUSE_UNTIL);
                assertThat(strings(reply, "config", "priority_groups")).containsExactly("g");
                assertThat(string(reply, "config", "priority_policy")).isEqualTo("overflow");
                assertThat(JsApi.field(info, "paused")).isNotNull();
                assertThat(JsApi.field(info, "paused").bool).isTrue();
            } else {
                assertThat(has(reply, "config", "pause_until")).isFalse();
                assertThat(has(reply, "config", "priority_groups")).isFalse();
                assertThat(has(reply, "config", "priority_policy")).isFalse();
                assertThat(has(info, "paused")).isFalse();
            }
        }
    }

    /**
     * The same through jnats: {@code filterSubjects} with two subjects fails client-side before 2.10.0 (jnats checks
     * the server version, error 90303, {@link IllegalArgumentException}), but {@code metadata} has no such guard: on
     * 2.9 it is sent, dropped, and the read-back has none.
     */
    @Test
    @DisplayName("B-21: jnats refuses 2 filterSubjects on 2.9 itself (90303) but sends metadata, which 2.9 drops")
    void jnatsGuardsFilterSubjectsButNotMetadata(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            Fixtures.TestStream stream = Fixtures.limits(nc, "NEW");
            JetStreamManagement jsm = nc.jetStreamManagement();
            ConsumerConfiguration twoFilters = Fixtures.durable("F")
                    .filterSubjects(stream.subject("a"), stream.subject("b"))
                    .build();
            ConsumerConfiguration withMetadata =
                    Fixtures.durable("M").metadata(Map.of("owner", "payments")).build();
            Map<String, String> readBack = jsm.addOrUpdateConsumer(stream.name(), withMetadata)
                    .getConsumerConfiguration()
                    .getMetadata();
            if (server.isAtLeast(Since.FILTER_SUBJECTS_AND_METADATA)) {
                assertThat(jsm.addOrUpdateConsumer(stream.name(), twoFilters)
                                .getConsumerConfiguration()
                                .getFilterSubjects())
                        .containsExactly(stream.subject("a"), stream.subject("b"));
                assertThat(readBack).containsEntry("owner", "payments");
            } else {
                assertThatThrownBy(() -> jsm.addOrUpdateConsumer(stream.name(), twoFilters))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessage("[CON-90303] Multiple filter subjects not available until server version 2.10.0.");
                assertThat(readBack == null ? Map.of() : readBack).doesNotContainKey("owner");
            }
        }
    }

    /**
     * Unknown JSON fields: from 2.12.0 (strict API JSON by default) a consumer create with an unknown field inside
     * {@code config} or at the top level, and a stream create with one, fail with 400/10025
     * {@code invalid JSON: json: unknown field "no_such_field"}; older servers accept and ignore them.
     */
    @Test
    @DisplayName("B-21: unknown JSON field -> 400/10025 from 2.12.0 (config, top level, stream); ignored before")
    void unknownJsonFieldsAreRejectedFrom2120(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            Fixtures.TestStream stream = Fixtures.limits(nc, "NEW");
            String s = stream.name();
            JsonValue inConfig = createConsumer(nc, s, "CFG", createBody(s, "CFG", "\"no_such_field\":1", ""));
            JsonValue topLevel = createConsumer(nc, s, "TOP", createBody(s, "TOP", "", "\"no_such_field\":1"));
            String streamName = JsApi.unique("NEWS");
            JsonValue streamCreate = JsApi.request(
                    nc,
                    "$JS.API.STREAM.CREATE." + streamName,
                    "{\"name\":\"" + streamName + "\",\"subjects\":[\"" + streamName + ".>\"],\"no_such_field\":1}");

            if (server.isAtLeast(Since.STRICT_JSON_BY_DEFAULT)) {
                JsApi.ApiError expected =
                        new JsApi.ApiError(400, 10025, "invalid JSON: json: unknown field \"no_such_field\"");
                assertThat(JsApi.requireError(inConfig)).isEqualTo(expected);
                assertThat(JsApi.requireError(topLevel)).isEqualTo(expected);
                assertThat(JsApi.requireError(streamCreate)).isEqualTo(expected);
            } else {
                JsApi.requireSuccess(inConfig);
                JsApi.requireSuccess(topLevel);
                JsApi.requireSuccess(streamCreate);
            }
        }
    }

    /**
     * {@code priority_groups} without {@code priority_policy}: 400/10196 "consumer can not have priority groups when
     * policy is none" from 2.12.0; accepted and kept on 2.11.x; accepted and dropped before 2.11.0.
     */
    @Test
    @DisplayName("B-21: priority_groups without a policy -> 400/10196 from 2.12.0; dropped before 2.11")
    void priorityGroupsWithoutPolicy(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            Fixtures.TestStream stream = Fixtures.limits(nc, "NEW");
            String s = stream.name();
            JsonValue reply = createConsumer(nc, s, "PG", createBody(s, "PG", "\"priority_groups\":[\"g\"]", ""));
            if (server.isAtLeast(Since.PRIORITY_GROUPS_NEED_POLICY)) {
                assertThat(JsApi.requireError(reply))
                        .isEqualTo(new JsApi.ApiError(
                                400, 10196, "consumer can not have priority groups when policy is none"));
            } else if (server.isAtLeast(Since.PAUSE_PRIORITY_PEDANTIC)) {
                assertThat(strings(JsApi.requireSuccess(reply), "config", "priority_groups"))
                        .containsExactly("g");
            } else {
                assertThat(has(JsApi.requireSuccess(reply), "config", "priority_groups"))
                        .isFalse();
            }
        }
    }
}
