package dev.jscontract.testing.semantics;

import static dev.jscontract.testing.semantics.JsApi.number;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.NatsServerMatrix;
import dev.jscontract.testing.WithNatsServer;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.PublishOptions;
import io.nats.client.api.PublishAck;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * <b>B-22</b> (a duplicate {@code Nats-Msg-Id} inside the window is not stored and gets a success PubAck with the
 * original sequence and {@code duplicate: true}) and <b>B-23</b> (order of the dedupe check and the expected-sequence
 * checks: dedupe first up to 2.11, expected-sequence first from 2.12.0 on a single server, so a retry carrying a now
 * stale expectation gets 400/10071). Ground for PUB-001, PUB-003 and PUB-005. (The default window is in
 * {@link ConsumerDefaultsIT}.)
 */
@NatsServerMatrix
@Execution(ExecutionMode.CONCURRENT)
@WithNatsServer
@DisplayName("B-22, B-23: Nats-Msg-Id dedupe and expected-sequence headers")
class PublishDedupeIT {
    private static final byte[] PAYLOAD = "row-42".getBytes(StandardCharsets.UTF_8);

    /**
     * B-22: two publishes with the same {@code Nats-Msg-Id}: the first is stored (seq 1, not a duplicate), the second
     * returns seq 1 with {@code isDuplicate()} and is not stored (the stream holds 1 message).
     */
    @Test
    @DisplayName("B-22: duplicate Nats-Msg-Id -> PubAck seq of the original, duplicate:true, not stored")
    void duplicateMessageIdReturnsTheOriginalSequence(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            Fixtures.TestStream stream = Fixtures.limits(nc, "DUP");
            JetStream js = nc.jetStream();
            PublishOptions id = PublishOptions.builder().messageId("outbox-42").build();

            PublishAck first = js.publish(stream.subject(), PAYLOAD, id);
            PublishAck retry = js.publish(stream.subject(), PAYLOAD, id);

            assertThat(first.getSeqno()).isEqualTo(1);
            assertThat(first.isDuplicate()).isFalse();
            assertThat(retry.getSeqno()).isEqualTo(1);
            assertThat(retry.isDuplicate()).isTrue();
            assertThat(number(JsApi.streamInfo(nc, stream.name()), "state", "messages"))
                    .isEqualTo(1);
        }
    }

    /**
     * B-23 with {@code Nats-Expected-Last-Sequence} and with {@code Nats-Expected-Last-Subject-Sequence}: message A
     * is published with expectation 0 (stored as seq 1), message B follows (seq 2), then A is retried with the same
     * ID and the same, now stale, expectation. Up to 2.11 the duplicate check wins: {@code duplicate: true}, seq 1.
     * From 2.12.0 the expectation is checked first: 400/10071 "wrong last sequence: 2". A new ID with a wrong
     * expectation gets 10071 on every version.
     */
    @Test
    @DisplayName(
            "B-23: retried Msg-Id with a stale expected sequence -> duplicate:true before 2.12.0, 400/10071 from 2.12.0")
    void dedupeVersusExpectedSequenceByVersion(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            JetStream js = nc.jetStream();
            for (boolean perSubject : new boolean[] {false, true}) {
                Fixtures.TestStream stream = Fixtures.limits(nc, "DUP");
                PublishOptions.Builder expectNothingYet =
                        PublishOptions.builder().messageId("A");
                PublishOptions retryA = (perSubject
                                ? expectNothingYet.expectedLastSubjectSequence(0)
                                : expectNothingYet.expectedLastSequence(0))
                        .build();

                assertThat(js.publish(stream.subject(), PAYLOAD, retryA).getSeqno())
                        .isEqualTo(1);
                assertThat(js.publish(
                                        stream.subject(),
                                        PAYLOAD,
                                        PublishOptions.builder().messageId("B").build())
                                .getSeqno())
                        .isEqualTo(2);

                String header = perSubject ? "Nats-Expected-Last-Subject-Sequence" : "Nats-Expected-Last-Sequence";
                if (server.isAtLeast(Since.EXPECTED_SEQUENCE_BEFORE_DEDUPE)) {
                    assertThatThrownBy(() -> js.publish(stream.subject(), PAYLOAD, retryA))
                            .as("retry of A with a stale %s", header)
                            .isInstanceOfSatisfying(JetStreamApiException.class, e -> {
                                assertThat(e.getErrorCode()).isEqualTo(400);
                                assertThat(e.getApiErrorCode()).isEqualTo(10071);
                                assertThat(e.getErrorDescription()).isEqualTo("wrong last sequence: 2");
                            });
                } else {
                    PublishAck retried = js.publish(stream.subject(), PAYLOAD, retryA);
                    assertThat(retried.isDuplicate())
                            .as("retry of A with a stale %s", header)
                            .isTrue();
                    assertThat(retried.getSeqno()).isEqualTo(1);
                }

                PublishOptions newIdWrongExpectation = (perSubject
                                ? PublishOptions.builder().messageId("C").expectedLastSubjectSequence(1)
                                : PublishOptions.builder().messageId("C").expectedLastSequence(1))
                        .build();
                assertThatThrownBy(() -> js.publish(stream.subject(), PAYLOAD, newIdWrongExpectation))
                        .as("new ID with a wrong %s", header)
                        .isInstanceOfSatisfying(JetStreamApiException.class, e -> {
                            assertThat(e.getErrorCode()).isEqualTo(400);
                            assertThat(e.getApiErrorCode()).isEqualTo(10071);
                            assertThat(e.getErrorDescription()).isEqualTo("wrong last sequence: 2");
                        });
                assertThat(number(JsApi.streamInfo(nc, stream.name()), "state", "messages"))
                        .isEqualTo(2);
            }
        }
    }
}
