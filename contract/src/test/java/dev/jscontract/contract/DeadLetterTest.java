package dev.jscontract.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jscontract.contract.internal.HeaderText;
import io.nats.client.impl.Headers;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class DeadLetterTest {

    @Nested
    class Policy {
        @Test
        void defaultsDeriveFromTheSourceStreamAndDurable() {
            DeadLetterPolicy p = DeadLetterPolicy.toDefaultSubject();
            assertThat(p.subjectFor("ORDERS", "billing")).isEqualTo("dlq.ORDERS.billing");
            assertThat(p.streamFor("ORDERS")).isEqualTo("DLQ_ORDERS");
            assertThat(p.streamSubjectsFor("ORDERS")).containsExactly("dlq.ORDERS.>");
            assertThat(p.advisoryStreamFor("ORDERS")).isEqualTo("JSC_ADV_ORDERS");
            assertThat(p.effectiveMaxAge()).isEqualTo(Duration.ofDays(14));
            assertThat(p.effectiveReplicas()).isEqualTo(1);
            assertThat(DeadLetterPolicy.maxDeliveriesAdvisorySubject("ORDERS", "billing"))
                    .isEqualTo("$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.ORDERS.billing");
        }

        @Test
        void customSubjectIsCapturedByDefault() {
            DeadLetterPolicy p =
                    DeadLetterPolicy.toSubject("dead.payments").stream("DEAD").maxAge(Duration.ofDays(30));
            assertThat(p.subjectFor("ORDERS", "billing")).isEqualTo("dead.payments");
            assertThat(p.streamSubjectsFor("ORDERS")).containsExactly("dead.payments");
            assertThat(p.streamFor("ORDERS")).isEqualTo("DEAD");
            assertThat(p.toString()).isEqualTo("DeadLetterPolicy.toSubject(dead.payments).stream(DEAD).maxAge(PT720H)");
        }

        @Test
        void badValuesTwiceAndNoneAreRejected() {
            assertThatThrownBy(() -> DeadLetterPolicy.toSubject("dlq.*"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("subject must be a valid NATS subject but was 'dlq.*': wildcards are not allowed"
                            + " here; use a literal subject");
            assertThatThrownBy(() -> DeadLetterPolicy.toDefaultSubject().stream("a.b"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("stream must be a valid JetStream name but was 'a.b'");
            assertThatThrownBy(() -> DeadLetterPolicy.toDefaultSubject().maxAge(Duration.ZERO))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("maxAge must be positive but was PT0S");
            assertThatThrownBy(() -> DeadLetterPolicy.toDefaultSubject().replicas(0))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("replicas must be between 1 and 5 but was 0");
            assertThatThrownBy(() -> DeadLetterPolicy.toDefaultSubject().streamSubjects())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("streamSubjects must not be empty");
            assertThatThrownBy(() ->
                            DeadLetterPolicy.toDefaultSubject().replicas(3).replicas(1))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("replicas was already set to 3");
            assertThatThrownBy(() -> DeadLetterPolicy.none().maxAge(Duration.ofDays(1)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("maxAge cannot be set on DeadLetterPolicy.none(); use"
                            + " DeadLetterPolicy.toDefaultSubject() or toSubject(...) to dead-letter");
        }
    }

    @Nested
    class Envelope {
        private DeadLetterEnvelope.Builder sample() {
            Headers original = new Headers();
            original.add("Nats-Msg-Id", "order-42");
            original.add("Nats-Expected-Last-Sequence", "41");
            original.add("Trace-Id", "abc");
            return DeadLetterEnvelope.builder()
                    .originalStream("ORDERS")
                    .originalSubject("orders.created")
                    .originalSequence(42)
                    .originalTimestamp(Instant.parse("2026-11-23T05:50:39.123Z"))
                    .originalHeaders(original)
                    .consumer("billing")
                    .deliveries(4)
                    .reason(DeadLetterReason.HANDLER_ERROR)
                    .error(new IllegalStateException("döwnstream\nrefused"))
                    .deadLetteredAt(Instant.parse("2026-11-23T06:00:00Z"))
                    .instance("host-1/1234")
                    .body(new byte[] {1, 2, 3});
        }

        @Test
        void writesEveryHeaderOfFormatV1AndDropsServerDirectives() {
            DeadLetterEnvelope env = sample().build();
            Headers h = env.toHeaders();
            assertThat(env.messageId()).isEqualTo("dlq-ORDERS-42");
            assertThat(h.getFirst("Jsc-Dlq-Version")).isEqualTo("1");
            assertThat(h.getFirst("Jsc-Original-Stream")).isEqualTo("ORDERS");
            assertThat(h.getFirst("Jsc-Original-Subject")).isEqualTo("orders.created");
            assertThat(h.getFirst("Jsc-Original-Sequence")).isEqualTo("42");
            assertThat(h.getFirst("Jsc-Original-Timestamp")).isEqualTo("2026-11-23T05:50:39.123Z");
            assertThat(h.getFirst("Jsc-Original-Msg-Id")).isEqualTo("order-42");
            assertThat(h.getFirst("Jsc-Consumer")).isEqualTo("billing");
            assertThat(h.getFirst("Jsc-Deliveries")).isEqualTo("4");
            assertThat(h.getFirst("Jsc-Reason")).isEqualTo("handler-error");
            assertThat(h.getFirst("Jsc-Error-Class")).isEqualTo("java.lang.IllegalStateException");
            assertThat(h.getFirst("Jsc-Error-Message")).isEqualTo("d\\u00f6wnstream\\nrefused");
            assertThat(h.getFirst("Jsc-Error-Stack")).startsWith("java.lang.IllegalStateException: d\\u00f6wnstream");
            assertThat(h.getFirst("Jsc-Dead-Lettered-At")).isEqualTo("2026-11-23T06:00:00Z");
            assertThat(h.getFirst("Jsc-Instance")).isEqualTo("host-1/1234");
            assertThat(h.getFirst("Trace-Id")).isEqualTo("abc");
            assertThat(h.containsKey("Nats-Msg-Id")).isFalse();
            assertThat(h.containsKey("Nats-Expected-Last-Sequence")).isFalse();
        }

        @Test
        void roundTripsThroughHeaders() {
            DeadLetterEnvelope env = sample().build();
            DeadLetterEnvelope back = DeadLetterEnvelope.read(env.toHeaders(), env.getBody());
            assertThat(back).isEqualTo(env);
            assertThat(back.getErrorMessage()).hasValue("döwnstream\nrefused");
            assertThat(back.getOriginalMsgId()).hasValue("order-42");
            Headers stored = env.toHeaders();
            stored.put("Nats-Msg-Id", env.messageId()); // as the dead-letter stream stores it
            assertThat(DeadLetterEnvelope.read(stored, env.getBody()).getOriginalHeaders())
                    .containsOnlyKeys("Trace-Id");
        }

        @Test
        void boundsLongErrorText() {
            DeadLetterEnvelope env = sample().error("E", "x".repeat(5000)).build();
            String written = env.toHeaders().getFirst("Jsc-Error-Message");
            assertThat(written)
                    .hasSize(DeadLetterHeaders.MAX_ERROR_MESSAGE_LENGTH + "...[truncated]".length())
                    .endsWith("x...[truncated]");
            assertThat(env.getErrorMessage()).hasValue(written);
            assertThat(sample().build().getErrorStack().orElseThrow().length())
                    .isLessThanOrEqualTo(DeadLetterHeaders.MAX_ERROR_STACK_LENGTH + "...[truncated]".length());
        }

        @Test
        void replayHeadersCarryTheOriginOnly() {
            Headers h = sample().build().replayHeaders("DLQ_ORDERS", 7);
            assertThat(h.getFirst("Jsc-Replayed-From")).isEqualTo("DLQ_ORDERS:7");
            assertThat(h.getFirst("Trace-Id")).isEqualTo("abc");
            assertThat(h.containsKey("Jsc-Reason")).isFalse();
            assertThat(DeadLetterHeaders.replayMessageId("DLQ_ORDERS", 7)).isEqualTo("replay-DLQ_ORDERS-7");
        }

        @Test
        void readingSomethingElseSaysWhatIsWrong() {
            assertThatThrownBy(() -> DeadLetterEnvelope.read(new Headers(), new byte[0]))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("not a jscontract dead letter: header Jsc-Dlq-Version is missing");
            Headers v2 = sample().build().toHeaders();
            v2.put("Jsc-Dlq-Version", "2");
            assertThatThrownBy(() -> DeadLetterEnvelope.read(v2, null))
                    .hasMessage("unsupported dead-letter format version '2'; this jscontract reads version 1 (upgrade"
                            + " jscontract to read newer envelopes)");
            Headers badSeq = sample().build().toHeaders();
            badSeq.put("Jsc-Original-Sequence", "forty-two");
            assertThatThrownBy(() -> DeadLetterEnvelope.read(badSeq, null))
                    .hasMessage("malformed dead letter: header Jsc-Original-Sequence must be a number but was"
                            + " 'forty-two'");
            Headers badReason = sample().build().toHeaders();
            badReason.put("Jsc-Reason", "bored");
            assertThatThrownBy(() -> DeadLetterEnvelope.read(badReason, null))
                    .hasMessage("malformed dead letter: header Jsc-Reason: unknown dead-letter reason 'bored'; known"
                            + " reasons: handler-error, permanent-error, poison, processing-timeout,"
                            + " max-deliveries");
            Headers missing = sample().build().toHeaders();
            missing.remove("Jsc-Consumer");
            assertThatThrownBy(() -> DeadLetterEnvelope.read(missing, null))
                    .hasMessage("malformed dead letter: required header Jsc-Consumer is missing");
        }

        @Test
        void buildNamesWhatIsMissing() {
            assertThatThrownBy(() ->
                            DeadLetterEnvelope.builder().originalStream("S").build())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("originalSubject must not be null");
        }

        @Test
        void headerTextEscapesAndReverses() {
            String text = "a\\b\r\n\tc ü \u0001";
            assertThat(HeaderText.decode(HeaderText.encode(text))).isEqualTo(text);
            assertThatThrownBy(() -> HeaderText.decode("bad \\q"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("unknown escape '\\q' at position 4 in 'bad \\q'");
            assertThatThrownBy(() -> HeaderText.decode("bad \\u12")).hasMessage("truncated \\u escape in 'bad \\u12'");
        }
    }
}
