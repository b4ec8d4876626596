package dev.jscontract.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.PriorityPolicy;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.Map;
import nl.jqno.equalsverifier.EqualsVerifier;
import nl.jqno.equalsverifier.Warning;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every option's negative, zero, twice and conflict case, with exception type and message text. */
class ConsumerContractBuilderTest {

    private static final Duration NEG = Duration.ofSeconds(-1);

    @Nested
    class RequiredStages {
        @ParameterizedTest
        @ValueSource(strings = {"orders.v1", "orders v1", "orders*", "orders>", "a/b", "a\\b", "tab\tname"})
        void streamNameMustBeAValidJetStreamName(String bad) {
            assertThatThrownBy(() -> ConsumerContract.builder().stream(bad))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("stream must be a valid JetStream name but was '" + bad + "'")
                    .hasMessageContaining("names may not contain '.', '*', '>', '/', '\\' or whitespace");
        }

        @Test
        void streamNameErrorSuggestsAFix() {
            assertThatThrownBy(() -> ConsumerContract.builder().stream("orders.v1"))
                    .hasMessageContaining("it contains '.'")
                    .hasMessageContaining("e.g. 'orders_v1'");
        }

        @Test
        void emptyAndTooLongNamesAreRejected() {
            assertThatThrownBy(() -> ConsumerContract.builder().stream(""))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("stream must not be empty");
            assertThatThrownBy(() -> ConsumerContract.builder().stream("S").durable("x".repeat(256)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("durable must be at most 255 characters but was 256 characters long");
        }

        @Test
        void nullsNameTheOption() {
            assertThatThrownBy(() -> ConsumerContract.builder().stream(null))
                    .isInstanceOf(NullPointerException.class)
                    .hasMessage("stream must not be null");
            assertThatThrownBy(() -> ConsumerContract.builder().stream("S")
                            .durable("d")
                            .ackWait(Duration.ofSeconds(1))
                            .maxDeliver(2)
                            .backoff(null))
                    .isInstanceOf(NullPointerException.class)
                    .hasMessage("backoff must not be null");
        }

        @Test
        void durableIsValidatedLikeAStream() {
            assertThatThrownBy(() -> ConsumerContract.builder().stream("S").durable("bill.ing"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("durable must be a valid JetStream name but was 'bill.ing'");
        }

        @Test
        void ackWaitMustBePositive() {
            assertThatThrownBy(() ->
                            ConsumerContract.builder().stream("S").durable("d").ackWait(Duration.ZERO))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("ackWait must be positive but was PT0S");
            assertThatThrownBy(() ->
                            ConsumerContract.builder().stream("S").durable("d").ackWait(NEG))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("ackWait must be positive but was PT-1S");
        }

        @ParameterizedTest
        @ValueSource(ints = {0, -2, Integer.MIN_VALUE})
        void maxDeliverMustBePositiveOrUnlimited(int bad) {
            assertThatThrownBy(() -> ConsumerContract.builder().stream("S")
                            .durable("d")
                            .ackWait(Duration.ofSeconds(1))
                            .maxDeliver(bad))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("maxDeliver must be at least 1, or ConsumerContract.UNLIMITED_DELIVERIES (-1) to"
                            + " redeliver forever, but was " + bad);
        }

        @Test
        void unlimitedIsAnExplicitChoice() {
            ConsumerContract c =
                    Fixtures.minimal().build().toBuilder().maxDeliver(-1).build();
            assertThat(c.hasFiniteMaxDeliver()).isFalse();
            assertThat(c.toString()).contains("maxDeliver=unlimited");
        }
    }

    @Nested
    class Twice {
        @Test
        void aRequiredOptionSetAgainOnTheLastStageFails() {
            assertThatThrownBy(() -> Fixtures.minimal().ackWait(Duration.ofSeconds(2)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("ackWait was already set to PT30S; set each option once");
        }

        @Test
        void everyOptionalSetterFailsTheSecondTime() {
            assertTwice(b -> b.filterSubject("a"), "filterSubjects");
            assertTwice(b -> b.maxAckPending(10), "maxAckPending");
            assertTwice(b -> b.concurrency(2), "concurrency");
            assertTwice(b -> b.batchSize(2), "batchSize");
            assertTwice(b -> b.instances(2), "instances");
            assertTwice(b -> b.expectedP99(Duration.ofSeconds(1)), "expectedP99");
            assertTwice(b -> b.heartbeatInterval(Duration.ofSeconds(1)), "heartbeatInterval");
            assertTwice(b -> b.maxProcessingTime(Duration.ofSeconds(1)), "maxProcessingTime");
            assertTwice(b -> b.deliverPolicy(DeliverPolicy.New), "deliverPolicy");
            assertTwice(b -> b.description("x"), "description");
            assertTwice(b -> b.metadata(Map.of("k", "v")), "metadata");
            assertTwice(b -> b.serverBackoff(Duration.ofSeconds(30)), "serverBackoff");
            assertTwice(b -> b.pauseUntil(ZonedDateTime.parse("2030-01-01T00:00:00Z")), "pauseUntil");
            assertTwice(b -> b.priorityGroups("g"), "priorityGroups");
            assertTwice(b -> b.priorityPolicy(PriorityPolicy.Overflow), "priorityPolicy");
        }

        @Test
        void filterSubjectAndFilterSubjectsAreOneOption() {
            assertThatThrownBy(() -> Fixtures.minimal().filterSubject("a").filterSubjects("b", "c"))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("filterSubjects was already set to [a]");
        }

        @Test
        void deliverFromSequenceAfterADeliverPolicyFails() {
            assertThatThrownBy(() ->
                            Fixtures.minimal().deliverPolicy(DeliverPolicy.New).deliverFromSequence(5))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("deliverPolicy was already set to");
        }

        @Test
        void suppressAndEscalateOncePerRule() {
            assertThatThrownBy(() ->
                            Fixtures.minimal().suppress("HB-002", "bounded").suppress("HB-002", "again"))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("HB-002 is already suppressed (bounded); suppress each rule once");
            assertThatThrownBy(() -> Fixtures.minimal()
                            .escalate("HB-002", Severity.ERROR)
                            .escalate("HB-002", Severity.ERROR))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("HB-002 is already escalated to error; escalate each rule once");
        }

        private void assertTwice(java.util.function.UnaryOperator<ContractBuilder> set, String option) {
            ContractBuilder b = set.apply(Fixtures.minimal());
            assertThatThrownBy(() -> set.apply(b))
                    .as(option)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith(option + " was already set to ");
        }
    }

    @Nested
    class Optional {
        @Test
        void positiveIntsNameTheOptionAndValue() {
            assertThatThrownBy(() -> Fixtures.minimal().maxAckPending(0))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("maxAckPending must be positive but was 0");
            assertThatThrownBy(() -> Fixtures.minimal().maxAckPending(-5))
                    .hasMessage("maxAckPending must be positive but was -5");
            assertThatThrownBy(() -> Fixtures.minimal().batchSize(0))
                    .hasMessage("batchSize must be positive but was 0");
            assertThatThrownBy(() -> Fixtures.minimal().instances(-1))
                    .hasMessage("instances must be positive but was -1");
            assertThatThrownBy(() -> Fixtures.minimal().concurrency(0))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("concurrency must be between 1 and 1024 but was 0");
            assertThatThrownBy(() -> Fixtures.minimal().concurrency(1025))
                    .hasMessage("concurrency must be between 1 and 1024 but was 1025");
        }

        @Test
        void durationsMustBePositive() {
            assertThatThrownBy(() -> Fixtures.minimal().expectedP99(Duration.ZERO))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("expectedP99 must be positive but was PT0S");
            assertThatThrownBy(() -> Fixtures.minimal().heartbeatInterval(NEG))
                    .hasMessage("heartbeatInterval must be positive but was PT-1S");
            assertThatThrownBy(() -> Fixtures.minimal().maxProcessingTime(Duration.ZERO))
                    .hasMessage("maxProcessingTime must be positive but was PT0S");
            assertThatThrownBy(() -> Fixtures.minimal().serverBackoff(Duration.ofSeconds(1), Duration.ZERO))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("serverBackoff[1] must be positive but was PT0S");
            assertThatThrownBy(() -> Fixtures.minimal().serverBackoff())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("serverBackoff must not be empty");
        }

        @Test
        void filterSubjectsAreValidatedAndMustNotOverlap() {
            assertThatThrownBy(() -> Fixtures.minimal().filterSubject("orders..created"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("filterSubject must be a valid NATS subject but was 'orders..created': token 2 is"
                            + " empty (a leading, trailing or double dot); remove the extra dot");
            assertThatThrownBy(() -> Fixtures.minimal().filterSubject("orders.>.x"))
                    .hasMessageContaining("'>' must be the last token");
            assertThatThrownBy(() -> Fixtures.minimal().filterSubject("orders.a*"))
                    .hasMessageContaining("mixes a wildcard with other characters");
            assertThatThrownBy(() -> Fixtures.minimal().filterSubjects())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("filterSubjects must not be empty");
            assertThatThrownBy(() -> Fixtures.minimal().filterSubjects("orders.*", "orders.created"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("filterSubjects must not overlap but 'orders.*' and 'orders.created'");
            assertThat(Fixtures.minimal()
                            .filterSubjects("orders.created", "orders.paid")
                            .build()
                            .getFilterSubjects())
                    .containsExactly("orders.created", "orders.paid");
        }

        @Test
        void deliverPolicyWithAStartNeedsTheDedicatedMethods() {
            assertThatThrownBy(() -> Fixtures.minimal().deliverPolicy(DeliverPolicy.ByStartSequence))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("deliverPolicy by_start_sequence needs a start; use deliverFromSequence(long) or"
                            + " deliverFromTime(ZonedDateTime) instead");
            assertThatThrownBy(() -> Fixtures.minimal().deliverFromSequence(0))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("deliverFromSequence must be at least 1 but was 0");
            ConsumerContract c = Fixtures.minimal().deliverFromSequence(42).build();
            assertThat(c.getDeliverPolicy()).isEqualTo(DeliverPolicy.ByStartSequence);
            assertThat(c.getStartSequence()).hasValue(42);
        }

        @Test
        void descriptionAndMetadataRules() {
            assertThatThrownBy(() -> Fixtures.minimal().description(" "))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("description must not be blank; leave it unset instead");
            assertThatThrownBy(() -> Fixtures.minimal().description("x".repeat(4097)))
                    .hasMessage("description must be at most 4096 characters but was 4097");
            assertThatThrownBy(() -> Fixtures.minimal().metadata(Map.of()))
                    .hasMessage("metadata must not be empty; leave it unset instead");
            assertThatThrownBy(() -> Fixtures.minimal().metadata(Map.of("_nats.level", "1")))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("metadata key '_nats.level' is reserved: keys starting with '_nats.' are set by the"
                            + " server; choose another key");
        }

        @Test
        void priorityRules() {
            assertThatThrownBy(() -> Fixtures.minimal().priorityGroups("way-too-long-group-name"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("priorityGroups entry 'way-too-long-group-name' is invalid");
            assertThatThrownBy(() -> Fixtures.minimal().priorityPolicy(PriorityPolicy.None))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("priorityPolicy None is the default; leave it unset instead");
        }

        @Test
        void suppressNeedsAKnownRuleAndAReason() {
            assertThatThrownBy(() -> Fixtures.minimal().suppress("XX-001", "because"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("unknown lint rule 'XX-001'; known rules: ACK-001, ACK-002");
            assertThatThrownBy(() -> Fixtures.minimal().suppress("MD-002", "  "))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("reason must say why MD-002 does not apply to this contract; a suppression without a"
                            + " reason is not accepted");
        }

        @Test
        void escalateOnlyRaises() {
            assertThatThrownBy(() -> Fixtures.minimal().escalate("BO-001", Severity.WARNING))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("escalate can only raise a severity, but BO-001 is error and warning is not higher;"
                            + " to silence a rule use suppress(ruleId, reason)");
        }
    }

    @Nested
    class Conflicts {
        @Test
        void concurrencyAboveMaxAckPending() {
            assertThatThrownBy(() ->
                            Fixtures.minimal().maxAckPending(4).concurrency(8).build())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("concurrency 8 exceeds maxAckPending 4: at most 4 messages can be in flight, so"
                            + " handler threads would idle; raise maxAckPending or lower concurrency");
        }

        @Test
        void heartbeatIntervalVersusNoHeartbeats() {
            assertThatThrownBy(() -> Fixtures.minimal().noHeartbeats().heartbeatInterval(Duration.ofSeconds(1)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("heartbeatInterval conflicts with noHeartbeats(); choose one of them");
            assertThatThrownBy(() -> Fixtures.minimal()
                            .heartbeatInterval(Duration.ofSeconds(1))
                            .noHeartbeats())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("noHeartbeats() conflicts with heartbeatInterval PT1S; choose one of them");
        }

        @Test
        void priorityGroupsAndPolicyGoTogether() {
            assertThatThrownBy(() -> Fixtures.minimal().priorityGroups("g").build())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("need a priorityPolicy");
            assertThatThrownBy(() -> Fixtures.minimal()
                            .priorityPolicy(PriorityPolicy.Overflow)
                            .build())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("priorityPolicy overflow needs priorityGroups");
        }

        @Test
        void suppressedAndEscalatedIsAConflict() {
            assertThatThrownBy(() -> Fixtures.minimal()
                            .suppress("HB-002", "bounded elsewhere")
                            .escalate("HB-002", Severity.ERROR)
                            .build())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("HB-002 is both suppressed and escalated; choose one");
        }
    }

    @Nested
    class Values {
        @Test
        void defaultsAreNamedAndDerived() {
            ConsumerContract c = Fixtures.minimal().build();
            assertThat(c.getEffectiveConcurrency()).isEqualTo(1);
            assertThat(c.getEffectiveBatchSize()).isEqualTo(1);
            assertThat(c.getEffectiveInstances()).isEqualTo(1);
            assertThat(c.getDeliverPolicy()).isEqualTo(DeliverPolicy.All);
            assertThat(c.hasHeartbeats()).isTrue();
            assertThat(c.getMaxAckPending()).isEmpty();
            assertThat(c.getDeadLetterSubject()).hasValue("dlq.ORDERS.billing");
            ConsumerContract b = Fixtures.minimal().concurrency(8).build();
            assertThat(b.getEffectiveBatchSize()).isEqualTo(8);
        }

        @Test
        void aShortExpectedP99PrefetchesOneMessagePerThread() {
            // p99 1 s < 30 s / 4: twice the concurrency
            assertThat(Fixtures.minimal()
                            .concurrency(8)
                            .expectedP99(Duration.ofSeconds(1))
                            .build()
                            .getEffectiveBatchSize())
                    .isEqualTo(16);
            // capped by max ack pending per instance
            assertThat(Fixtures.minimal()
                            .concurrency(8)
                            .maxAckPending(24)
                            .instances(2)
                            .expectedP99(Duration.ofSeconds(1))
                            .build()
                            .getEffectiveBatchSize())
                    .isEqualTo(12);
            // p99 10 s is not below a quarter of 30 s: no prefetch
            assertThat(Fixtures.minimal()
                            .concurrency(8)
                            .expectedP99(Duration.ofSeconds(10))
                            .build()
                            .getEffectiveBatchSize())
                    .isEqualTo(8);
            // a declared batch wins
            assertThat(Fixtures.minimal()
                            .concurrency(8)
                            .batchSize(4)
                            .expectedP99(Duration.ofSeconds(1))
                            .build()
                            .getEffectiveBatchSize())
                    .isEqualTo(4);
        }

        @Test
        void toBuilderAllowsEachOptionToChangeOnce() {
            ConsumerContract c = Fixtures.clean().build();
            ConsumerContract changed =
                    c.toBuilder().ackWait(Duration.ofSeconds(10)).maxDeliver(3).build();
            assertThat(changed.getAckWait()).isEqualTo(Duration.ofSeconds(10));
            assertThat(changed.getMaxDeliver()).isEqualTo(3);
            assertThat(changed.getConcurrency()).hasValue(4);
            assertThat(c.toBuilder().build()).isEqualTo(c).hasSameHashCodeAs(c);
            assertThatThrownBy(
                            () -> c.toBuilder().ackWait(Duration.ofSeconds(1)).ackWait(Duration.ofSeconds(2)))
                    .isInstanceOf(IllegalStateException.class);
        }

        @Test
        void ackDeadlineFollowsServerBackoff() {
            ConsumerContract c = Fixtures.minimal().build().toBuilder()
                    .ackWait(Duration.ofSeconds(2))
                    .serverBackoff(Duration.ofSeconds(2), Duration.ofSeconds(4))
                    .build();
            assertThat(c.ackDeadline(1)).isEqualTo(Duration.ofSeconds(2));
            assertThat(c.ackDeadline(2)).isEqualTo(Duration.ofSeconds(4));
            assertThat(c.ackDeadline(9)).isEqualTo(Duration.ofSeconds(4));
            assertThat(Fixtures.minimal().build().ackDeadline(3)).isEqualTo(Duration.ofSeconds(30));
            assertThatThrownBy(() -> c.ackDeadline(0))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("delivery must be at least 1 but was 0");
        }

        @Test
        void toStringShowsEveryOptionThatIsSet() {
            String s = Fixtures.clean().suppress("HB-002", "x").build().toString();
            assertThat(s)
                    .startsWith("ConsumerContract{stream=ORDERS, durable=billing, ackWait=PT30S, maxDeliver=5,")
                    .contains("maxAckPending=64", "concurrency=4", "expectedP99=PT2S", "suppressions={HB-002=x}");
        }

        @Test
        void valueTypesHonourEqualsAndHashCode() {
            EqualsVerifier.forClass(ConsumerContract.class)
                    .suppress(Warning.NULL_FIELDS, Warning.NONFINAL_FIELDS)
                    .verify();
            EqualsVerifier.forClass(Backoff.class).suppress(Warning.NULL_FIELDS).verify();
            EqualsVerifier.forClass(DeadLetterPolicy.class)
                    .suppress(Warning.NULL_FIELDS)
                    .verify();
            EqualsVerifier.forClass(ServerVersion.class)
                    .suppress(Warning.NULL_FIELDS)
                    .verify();
            EqualsVerifier.forClass(Finding.class).suppress(Warning.NULL_FIELDS).verify();
            EqualsVerifier.forClass(Drift.Difference.class)
                    .suppress(Warning.NULL_FIELDS)
                    .verify();
        }
    }
}
