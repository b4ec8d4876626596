package dev.jscontract.contract;

import static org.assertj.core.api.Assertions.assertThat;

import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.PriorityPolicy;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StreamConfiguration;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Every configuration rule: a failing case and a passing case. Real-server proof lives in LintRulesIT. */
class ContractLinterTest {
    private static final ServerVersion V2_9 = ServerVersion.parse("2.9.10");
    private static final ServerVersion V2_10_22 = ServerVersion.parse("2.10.22");
    private static final ServerVersion V2_15 = ServerVersion.parse("2.15.1");
    private static final StreamConfiguration STREAM =
            StreamConfiguration.builder().name("ORDERS").subjects("orders.>").build();

    private static Duration s(long seconds) {
        return Duration.ofSeconds(seconds);
    }

    @Test
    void theCleanContractHasNoFindingsOnAnyVersionButTheOutageInfo() {
        for (ServerVersion v : new ServerVersion[] {V2_9, V2_10_22, V2_15}) {
            LintReport r = ContractLinter.lint(Fixtures.clean().build(), v);
            assertThat(r.getFindings())
                    .as(v.toString())
                    .extracting(Finding::getRuleId)
                    .containsExactly("OUT-001");
            assertThat(r.getFindings().get(0).getSeverity()).isEqualTo(Severity.INFO);
        }
    }

    @Test
    void out001StatesTheOutageTheContractRidesOut() {
        ConsumerContract c = Fixtures.clean().build();
        Finding f = ContractLinter.lint(c).getFindings("OUT-001").get(0);
        Duration exposed = c.explain().getOutageDeadLetterAfter().orElseThrow();
        assertThat(exposed)
                .as("every attempt fails at once: the last delivery comes after the shortest retry delays")
                .isEqualTo(c.explain().getAttempts().get(c.getMaxDeliver() - 1).getEarliestDelivery());
        assertThat(f.getValues()).containsEntry("maxDeliver", Integer.toString(c.getMaxDeliver()));
        assertThat(f.getMessage())
                .startsWith("a downstream outage longer than ")
                .contains("held in process")
                .contains("a crash or restart during the outage spends one delivery per held message");
        assertThat(ContractLinter.lint(c.toBuilder().maxDeliver(-1).build()).has("OUT-001"))
                .as("unlimited deliveries never dead-letter (MD-001 says what is wrong with that)")
                .isFalse();
    }

    @Test
    void out001AndExplainSayThatWithoutHeartbeatsAHeldMessageIsRedeliveredAfterItsAckDeadline() {
        ConsumerContract c = Fixtures.clean().noHeartbeats().build();
        Finding f = ContractLinter.lint(c).getFindings("OUT-001").get(0);
        assertThat(c.explain().getAttempts().get(0).getAckDeadline()).isEqualTo(s(30));
        assertThat(f.getSeverity()).isEqualTo(Severity.INFO);
        assertThat(f.getValues()).containsEntry("heartbeats", "off");
        assertThat(f.getMessage())
                .startsWith("a downstream outage longer than ")
                .contains("holding does not help: without heartbeats (noHeartbeats())")
                .contains("is redelivered by the server after its ack deadline (30s), one delivery spent each time")
                .doesNotContain("no dead letter for an outage of any length");
        assertThat(f.getFix()).startsWith("turn heartbeats back on (drop noHeartbeats())");
        assertThat(c.explain().toString())
                .contains("holding (circuit breaker, DEPENDENCY_DOWN) does not help without heartbeats")
                .doesNotContain("none is lost to an outage of any length");
        assertThat(Fixtures.clean().build().explain().toString()).contains("none is lost to an outage of any length");
    }

    @Nested
    class Ack {
        @Test
        void ack001NoneOrAllWithThreads() {
            ConsumerConfiguration none = ConsumerConfiguration.builder()
                    .durable("d")
                    .ackPolicy(AckPolicy.None)
                    .build();
            assertThat(live(none, LintOptions.none()).has("ACK-001")).isTrue();
            ConsumerConfiguration all = ConsumerConfiguration.builder()
                    .durable("d")
                    .ackPolicy(AckPolicy.All)
                    .build();
            assertThat(live(all, LintOptions.builder().handlerThreads(4).build())
                            .getFindings("ACK-001"))
                    .singleElement()
                    .satisfies(f -> assertThat(f.getMessage()).contains("4 handler threads"));
            assertThat(live(all, LintOptions.builder().handlerThreads(1).build())
                            .has("ACK-001"))
                    .isFalse();
            assertThat(live(explicit().build(), LintOptions.none()).has("ACK-001"))
                    .isFalse();
        }

        @Test
        void ack002TheThirtySecondDefault() {
            ConsumerConfiguration dflt = explicit().ackWait(s(30)).build();
            assertThat(live(dflt, LintOptions.none()).getFindings("ACK-002"))
                    .singleElement()
                    .satisfies(f -> assertThat(f.getSeverity()).isEqualTo(Severity.ERROR));
            assertThat(live(explicit().ackWait(s(45)).build(), LintOptions.none())
                            .has("ACK-002"))
                    .isFalse();
            assertThat(ContractLinter.lint(Fixtures.clean().build()).has("ACK-002"))
                    .isFalse();
        }

        @Test
        void ack003ShortFirstDeadlineWithoutHeartbeats() {
            ConsumerContract c = Fixtures.clean().build().toBuilder()
                    .ackWait(s(2))
                    .expectedP99(s(2))
                    .noHeartbeats()
                    .build();
            Finding f = ContractLinter.lint(c).getFindings("ACK-003").get(0);
            assertThat(f.getMessage()).contains("first ack deadline 2s is below 1.5 x expected p99 2s (3s)");
            assertThat(f.getFix()).isEqualTo("turn heartbeats on, or raise ackWait to at least 3s");
            assertThat(f.getBasis()).containsExactly("B-03", "B-16");
            ConsumerContract withHeartbeats =
                    Fixtures.clean().build().toBuilder().ackWait(s(2)).build();
            assertThat(ContractLinter.lint(withHeartbeats).has("ACK-003")).isFalse();
        }
    }

    @Nested
    class Heartbeats {
        @Test
        void hb001IntervalAboveAThirdOfTheShortestDeadline() {
            ConsumerContract c = Fixtures.clean().heartbeatInterval(s(11)).build();
            Finding f = ContractLinter.lint(c).getFindings("HB-001").get(0);
            assertThat(f.getMessage())
                    .startsWith("heartbeat interval 11s is above a third of the shortest ack" + " deadline 30s");
            assertThat(f.getFix()).startsWith("set heartbeatInterval to at most 10s");
            assertThat(ContractLinter.lint(
                                    Fixtures.clean().heartbeatInterval(s(10)).build())
                            .has("HB-001"))
                    .isFalse();
        }

        @Test
        void hb001UsesTheShortestServerBackoffEntry() {
            ConsumerContract c = Fixtures.clean().build().toBuilder()
                    .ackWait(s(30))
                    .serverBackoff(s(30), s(6))
                    .heartbeatInterval(s(5))
                    .build();
            assertThat(ContractLinter.lint(c).getFindings("HB-001").get(0).getValues())
                    .containsEntry("shortestAckDeadline", "6s");
        }

        @Test
        void hb002HeartbeatsWithoutCap() {
            ConsumerContract unbounded = Fixtures.minimal().maxAckPending(10).build();
            assertThat(ContractLinter.lint(unbounded).getFindings("HB-002"))
                    .singleElement()
                    .satisfies(f -> assertThat(f.getSeverity()).isEqualTo(Severity.WARNING));
            assertThat(ContractLinter.lint(Fixtures.clean().build()).has("HB-002"))
                    .isFalse();
            assertThat(ContractLinter.lint(Fixtures.minimal().noHeartbeats().build())
                            .has("HB-002"))
                    .isFalse();
        }
    }

    @Nested
    class ServerBackoffRules {
        private ContractBuilder withBackoff(int maxDeliver, Duration ackWait, Duration... bo) {
            return Fixtures.clean().build().toBuilder()
                    .maxDeliver(maxDeliver)
                    .ackWait(ackWait)
                    .serverBackoff(bo);
        }

        @Test
        void bo001AckWaitDiffersFromBackoff0() {
            Finding f = ContractLinter.lint(withBackoff(5, s(60), s(5), s(10)).build())
                    .getFindings("BO-001")
                    .get(0);
            assertThat(f.getMessage()).startsWith("ackWait 1m differs from serverBackoff[0] 5s");
            assertThat(f.getFix()).isEqualTo("set ackWait to 5s, the deadline the server will apply");
            assertThat(ContractLinter.lint(withBackoff(5, s(5), s(5), s(10)).build())
                            .has("BO-001"))
                    .isFalse();
        }

        @Test
        void bo002Backoff0BelowP99() {
            ConsumerContract c = withBackoff(5, s(1), s(1), s(10)).build();
            assertThat(ContractLinter.lint(c).getFindings("BO-002").get(0).getMessage())
                    .startsWith("serverBackoff[0] 1s is below expected p99 2s");
            assertThat(ContractLinter.lint(withBackoff(5, s(5), s(5), s(10)).build())
                            .has("BO-002"))
                    .isFalse();
        }

        @Test
        void bo003ByVersion() {
            ConsumerContract equal = withBackoff(2, s(5), s(5), s(10)).build();
            // portable rule: maxDeliver must exceed len(backoff)
            assertThat(ContractLinter.lint(equal).has("BO-003")).isTrue();
            assertThat(ContractLinter.lint(equal, V2_9)
                            .getFindings("BO-003")
                            .get(0)
                            .getMessage())
                    .isEqualTo("maxDeliver 2 <= len(serverBackoff) 2 is rejected with 10116 before 2.10.23 (target"
                            + " 2.9.10)");
            assertThat(ContractLinter.lint(equal, V2_10_22).has("BO-003")).isTrue();
            assertThat(ContractLinter.lint(equal, V2_15).has("BO-003")).isFalse();

            ConsumerContract unlimited = withBackoff(-1, s(5), s(5), s(10)).build();
            assertThat(ContractLinter.lint(unlimited, V2_9)
                            .getFindings("BO-003")
                            .get(0)
                            .getMessage())
                    .startsWith("maxDeliver unlimited with server BackOff is rejected with 10116 before 2.10.14");
            assertThat(ContractLinter.lint(unlimited, V2_15).has("BO-003")).isFalse();

            ConsumerContract longer = withBackoff(2, s(5), s(5), s(10), s(20)).build();
            assertThat(ContractLinter.lint(longer, V2_15)
                            .getFindings("BO-003")
                            .get(0)
                            .getMessage())
                    .startsWith("len(serverBackoff) 3 > maxDeliver 2 is rejected with 10116");
            assertThat(ContractLinter.lint(withBackoff(3, s(5), s(5), s(10)).build(), V2_9)
                            .has("BO-003"))
                    .isFalse();
        }

        @Test
        void bo004UnusedEntries() {
            ConsumerContract c = withBackoff(2, s(5), s(5), s(10), s(20), s(40)).build();
            Finding f = ContractLinter.lint(c, V2_15).getFindings("BO-004").get(0);
            assertThat(f.getMessage())
                    .isEqualTo("serverBackoff has 4 entries but maxDeliver is 2: entries after"
                            + " index 1 are never used");
            assertThat(f.getFix()).isEqualTo("drop the last 2 entries");
            assertThat(ContractLinter.lint(
                                    withBackoff(4, s(5), s(5), s(10), s(20), s(40))
                                            .build(),
                                    V2_15)
                            .has("BO-004"))
                    .isFalse();
        }

        @Test
        void nak002RetryDelaysStretchedByServerBackoff() {
            assertThat(ContractLinter.lint(withBackoff(5, s(5), s(5), s(10)).build())
                            .getFindings("NAK-002"))
                    .singleElement()
                    .satisfies(f -> assertThat(f.getMessage()).contains("delay + BackOff[n-1] - BackOff[0]"));
            assertThat(ContractLinter.lint(Fixtures.clean().build()).has("NAK-002"))
                    .isFalse();
        }
    }

    @Nested
    class Deliveries {
        @Test
        void md001Unlimited() {
            ConsumerContract c =
                    Fixtures.clean().build().toBuilder().maxDeliver(-1).build();
            assertThat(ContractLinter.lint(c).getFindings("MD-001").get(0).getFix())
                    .isEqualTo("set a finite maxDeliver (e.g. 5) and a dead-letter policy");
            assertThat(ContractLinter.lint(Fixtures.clean().build()).has("MD-001"))
                    .isFalse();
        }

        @Test
        void md002NoDeadLetterSinkUnlessSuppressedWithAReason() {
            ConsumerContract none = Fixtures.clean().build().toBuilder()
                    .deadLetter(DeadLetterPolicy.none())
                    .build();
            assertThat(ContractLinter.lint(none).hasErrors()).isTrue();
            assertThat(ContractLinter.lint(none).getFindings("MD-002").get(0).getMessage())
                    .startsWith("maxDeliver is 5 but nothing dead-letters");
            ConsumerContract acknowledged = none.toBuilder()
                    .suppress("MD-002", "events are re-derivable from the ledger")
                    .build();
            LintReport r = ContractLinter.lint(acknowledged);
            assertThat(r.has("MD-002")).isFalse();
            assertThat(r.getSuppressed()).containsValue("events are re-derivable from the ledger");
            assertThat(r.toText()).contains("[suppressed] MD-002");
        }

        @Test
        void md002LiveNeedsToKnowAboutASink() {
            ConsumerConfiguration cc = explicit().maxDeliver(5).build();
            assertThat(live(cc, LintOptions.none()).getUnchecked()).containsKey(LintRule.MD_002);
            StreamConfiguration wq = StreamConfiguration.builder()
                    .name("ORDERS")
                    .subjects("orders.>")
                    .retentionPolicy(RetentionPolicy.WorkQueue)
                    .build();
            LintReport r = ContractLinter.lint(
                    cc, wq, V2_15, LintOptions.builder().deadLetterSink(false).build());
            assertThat(r.getFindings("MD-002").get(0).getMessage()).contains("stays in the WorkQueue stream forever");
            assertThat(live(cc, LintOptions.builder().deadLetterSink(true).build())
                            .has("MD-002"))
                    .isFalse();
        }

        @Test
        void dlq003WorkQueueDeadLetterStream() {
            StreamConfiguration wq = StreamConfiguration.builder()
                    .name("DLQ_ORDERS")
                    .subjects("dlq.ORDERS.>")
                    .retentionPolicy(RetentionPolicy.WorkQueue)
                    .build();
            assertThat(ContractLinter.lintDeadLetterStream(wq)).singleElement().satisfies(f -> assertThat(f.getRuleId())
                    .isEqualTo("DLQ-003"));
            assertThat(ContractLinter.lintDeadLetterStream(STREAM)).isEmpty();
        }

        @Test
        void md003WorkQueueWithFiniteMaxDeliverOn2123And2124() {
            StreamConfiguration wqR3 = StreamConfiguration.builder()
                    .name("JOBS")
                    .subjects("jobs.>")
                    .retentionPolicy(RetentionPolicy.WorkQueue)
                    .replicas(3)
                    .build();
            ConsumerConfiguration finite = explicit().maxDeliver(5).build();
            LintReport onBug = ContractLinter.lint(finite, wqR3, ServerVersion.parse("2.12.4"));
            assertThat(onBug.getFindings("MD-003")).singleElement().satisfies(f -> {
                assertThat(f.getSeverity()).isEqualTo(Severity.ERROR);
                assertThat(f.getMessage())
                        .isEqualTo(
                                "WorkQueue stream with maxDeliver 5 on nats-server 2.12.4: 2.12.3 and 2.12.4 delete a"
                                        + " message when it reaches maxDeliver on replicated streams (3 replicas), so the"
                                        + " dead-letter sweeper cannot read it and it is lost (nats-server #7817)");
                assertThat(f.getFix()).startsWith("upgrade nats-server to 2.12.5 or later");
            });
            assertThat(ContractLinter.lint(finite, wqR3, ServerVersion.parse("2.12.3"))
                            .has("MD-003"))
                    .isTrue();
            StreamConfiguration wqR1 =
                    StreamConfiguration.builder(wqR3).replicas(1).build();
            assertThat(ContractLinter.lint(finite, wqR1, ServerVersion.parse("2.12.3"))
                            .getFindings("MD-003"))
                    .singleElement()
                    .extracting(Finding::getSeverity)
                    .isEqualTo(Severity.WARNING);
            for (String fine : new String[] {"2.12.2", "2.12.5", "2.14.0", "2.9.10"}) {
                assertThat(ContractLinter.lint(finite, wqR3, ServerVersion.parse(fine))
                                .has("MD-003"))
                        .as(fine)
                        .isFalse();
            }
            assertThat(ContractLinter.lint(explicit().build(), wqR3, ServerVersion.parse("2.12.4"))
                            .has("MD-003"))
                    .as("unlimited maxDeliver never reaches the limit")
                    .isFalse();
            assertThat(ContractLinter.lint(finite, STREAM, ServerVersion.parse("2.12.4"))
                            .has("MD-003"))
                    .as("limits retention keeps max-delivered messages")
                    .isFalse();
        }

        @Test
        void dlq005DeadLetterSubjectOutsideTheDeadLetterStreamSubjects() {
            ConsumerContract uncaptured = Fixtures.clean().build().toBuilder()
                    .deadLetter(DeadLetterPolicy.toSubject("dlq.payments").streamSubjects("dlq.orders.>"))
                    .build();
            assertThat(ContractLinter.lint(uncaptured).getFindings("DLQ-005"))
                    .singleElement()
                    .satisfies(f -> {
                        assertThat(f.getMessage())
                                .isEqualTo("the dead-letter subject dlq.payments is not among the subjects its"
                                        + " dead-letter stream captures [dlq.orders.>]: every dead-letter publish would"
                                        + " fail, and provisioning refuses it");
                        assertThat(f.getFix())
                                .isEqualTo("add dlq.payments (or a wildcard covering it) to"
                                        + " DeadLetterPolicy.streamSubjects(...)");
                    });
            ConsumerContract covered = uncaptured.toBuilder()
                    .deadLetter(DeadLetterPolicy.toSubject("dlq.payments").streamSubjects("dlq.>"))
                    .build();
            assertThat(ContractLinter.lint(covered).has("DLQ-005")).isFalse();
            assertThat(ContractLinter.lint(Fixtures.clean().build()).has("DLQ-005"))
                    .isFalse();
        }

        @Test
        void dlq005LiveNoStreamCapturesTheDeadLetterSubject() {
            StreamConfiguration dlq = StreamConfiguration.builder()
                    .name("DLQ_ORDERS")
                    .subjects("dlq.ORDERS.>")
                    .build();
            assertThat(ContractLinter.lintDeadLetterCapture(
                            "ORDERS/billing", "dlq.ORDERS.billing", java.util.List.of(STREAM, dlq)))
                    .isEmpty();
            assertThat(ContractLinter.lintDeadLetterCapture(
                            "ORDERS/billing", "dlq.ORDERS.billing", java.util.List.of(STREAM)))
                    .singleElement()
                    .satisfies(f -> {
                        assertThat(f.getRuleId()).isEqualTo("DLQ-005");
                        assertThat(f.getSeverity()).isEqualTo(Severity.ERROR);
                        assertThat(f.getMessage())
                                .isEqualTo("ORDERS/billing dead-letters to dlq.ORDERS.billing but no stream captures"
                                        + " that subject: every dead-letter publish fails with no responders and the"
                                        + " message is retried instead");
                        assertThat(f.getValues()).containsEntry("deadLetterSubject", "dlq.ORDERS.billing");
                    });
        }

        @Test
        void nak003NoBackoff() {
            ConsumerContract c =
                    Fixtures.clean().build().toBuilder().backoff(Backoff.none()).build();
            assertThat(ContractLinter.lint(c).getFindings("NAK-003"))
                    .singleElement()
                    .satisfies(f -> assertThat(f.getSeverity()).isEqualTo(Severity.WARNING));
            assertThat(ContractLinter.lint(Fixtures.clean().build()).has("NAK-003"))
                    .isFalse();
        }

        @Test
        void con003OrderedConsumer() {
            ConsumerConfiguration ordered = ConsumerConfiguration.builder()
                    .ackPolicy(AckPolicy.None)
                    .maxDeliver(1)
                    .memStorage(true)
                    .build();
            assertThat(live(ordered, LintOptions.none()).has("CON-003")).isTrue();
            assertThat(live(explicit().maxDeliver(1).build(), LintOptions.none())
                            .has("CON-003"))
                    .isFalse();
        }
    }

    @Nested
    class Capacity {
        @Test
        void map001UndeclaredOrTooSmall() {
            assertThat(ContractLinter.lint(Fixtures.minimal().build())
                            .getFindings("MAP-001")
                            .get(0)
                            .getMessage())
                    .startsWith("maxAckPending is not declared");
            ConsumerContract small = Fixtures.clean().build().toBuilder()
                    .maxAckPending(8)
                    .batchSize(4)
                    .instances(3)
                    .build();
            Finding f = ContractLinter.lint(small).getFindings("MAP-001").get(0);
            assertThat(f.getMessage()).startsWith("maxAckPending 8 is below instances x batch size = 3 x 4 = 12");
            assertThat(f.getFix()).isEqualTo("raise maxAckPending to at least 12 or lower batchSize");
            assertThat(ContractLinter.lint(Fixtures.clean().build()).has("MAP-001"))
                    .isFalse();
        }

        @Test
        void buf001BufferedMessagesOutwaitTheirDeadline() {
            ConsumerContract c = Fixtures.clean().build().toBuilder()
                    .batchSize(40)
                    .maxAckPending(100)
                    .build();
            // (40 / 4 threads) x 2 s = 20 s < 30 s: fine
            assertThat(ContractLinter.lint(c).has("BUF-001")).isFalse();
            ConsumerContract worse = c.toBuilder().expectedP99(s(3)).build();
            Finding f = ContractLinter.lint(worse).getFindings("BUF-001").get(0);
            assertThat(f.getMessage())
                    .isEqualTo("(batch 40 / 4 handler thread(s)) x p99 3s = 30s reaches the first ack deadline 30s:"
                            + " buffered messages are redelivered before a handler reaches them");
            assertThat(f.getFix()).isEqualTo("lower batchSize to at most 39 or raise the ack deadline");
        }

        @Test
        void buf001LiveUsesTheJnatsDefaultBatch() {
            LintReport r = live(
                    explicit().ackWait(s(60)).build(),
                    LintOptions.builder().expectedP99(Duration.ofMillis(200)).build());
            assertThat(r.getFindings("BUF-001").get(0).getMessage()).startsWith("(batch 500 (jnats default) / 1");
        }
    }

    @Nested
    class Versions {
        @Test
        void ver001FeaturesNewerThanTheTarget() {
            ConsumerContract c = Fixtures.clean()
                    .filterSubjects("orders.created", "orders.paid")
                    .metadata(Map.of("team", "payments"))
                    .pauseUntil(ZonedDateTime.parse("2030-01-01T00:00:00Z"))
                    .priorityGroups("jobs")
                    .priorityPolicy(PriorityPolicy.Prioritized)
                    .build();
            LintReport on29 = ContractLinter.lint(c, V2_9);
            assertThat(on29.getFindings("VER-001"))
                    .extracting(f -> f.getValues().get("feature"))
                    .containsExactly(
                            "filterSubjects (more than one)",
                            "metadata",
                            "pauseUntil",
                            "priorityGroups",
                            "priorityPolicy prioritized");
            assertThat(on29.getFindings("VER-001").get(0).getMessage())
                    .endsWith("the consumer would receive every subject of the stream");
            assertThat(ContractLinter.lint(c, V2_15).has("VER-001")).isFalse();
            assertThat(ContractLinter.lint(c).getUnchecked()).containsKey(LintRule.VER_001);
        }

        @Test
        void ver001Live() {
            ConsumerConfiguration cc = explicit()
                    .filterSubjects("orders.created", "orders.paid")
                    .metadata(Map.of("_nats.level", "1"))
                    .build();
            assertThat(ContractLinter.lint(cc, STREAM, V2_9).getFindings("VER-001"))
                    .extracting(f -> f.getValues().get("feature"))
                    .containsExactly("filterSubjects (more than one)");
        }
    }

    @Nested
    class Reporting {
        @Test
        void ops001FailoverSlo() {
            LintOptions slo = LintOptions.builder().failoverSlo(s(10)).build();
            assertThat(ContractLinter.lint(Fixtures.clean().build(), null, slo).getFindings("OPS-001"))
                    .singleElement()
                    .satisfies(f -> assertThat(f.getSeverity()).isEqualTo(Severity.INFO));
            assertThat(ContractLinter.lint(
                                    Fixtures.clean().build(),
                                    null,
                                    LintOptions.builder().failoverSlo(s(60)).build())
                            .has("OPS-001"))
                    .isFalse();
        }

        @Test
        void missingInputsAreReportedNotGuessed() {
            LintReport r =
                    ContractLinter.lint(Fixtures.minimal().maxAckPending(10).build());
            assertThat(r.getUnchecked())
                    .containsEntry(LintRule.BUF_001, "declare expectedP99")
                    .containsKey(LintRule.OPS_001);
            assertThat(r.toText()).contains("not checked: ");
        }

        @Test
        void escalationRaisesTheSeverity() {
            ConsumerContract c = Fixtures.minimal()
                    .maxAckPending(10)
                    .escalate("HB-002", Severity.ERROR)
                    .build();
            LintReport r = ContractLinter.lint(c);
            assertThat(r.getFindings("HB-002").get(0).getSeverity()).isEqualTo(Severity.ERROR);
            assertThat(r.hasErrors()).isTrue();
            assertThat(r.getFindings().get(0).getSeverity()).isEqualTo(Severity.ERROR);
        }

        @Test
        void findingsRenderIdSeverityValuesFixAndBasis() {
            Finding f = ContractLinter.lint(
                            Fixtures.clean().build().toBuilder().maxDeliver(-1).build())
                    .getFindings("MD-001")
                    .get(0);
            assertThat(f.toString())
                    .isEqualTo("[error] MD-001 maxDeliver is unlimited: a poison message is redelivered forever and"
                            + " holds a MaxAckPending slot | fix: set a finite maxDeliver (e.g. 5) and a dead-letter"
                            + " policy (basis B-01, B-12)");
        }

        @Test
        void everyConfigRuleIsExercisedByThisClass() {
            Set<LintRule> config = EnumSet.noneOf(LintRule.class);
            Arrays.stream(LintRule.values())
                    .filter(r -> r.scope() == LintRule.Scope.CONFIG)
                    .forEach(config::add);
            assertThat(config)
                    .extracting(LintRule::id)
                    .containsExactlyInAnyOrder(
                            "ACK-001", "ACK-002", "ACK-003", "HB-001", "HB-002", "BO-001", "BO-002", "BO-003", "BO-004",
                            "MD-001", "MD-002", "MD-003", "DLQ-003", "DLQ-005", "NAK-002", "NAK-003", "MAP-001",
                            "BUF-001", "CON-003", "VER-001", "OPS-001", "OUT-001");
        }
    }

    private static ConsumerConfiguration.Builder explicit() {
        return ConsumerConfiguration.builder().durable("d").ackPolicy(AckPolicy.Explicit);
    }

    private static LintReport live(ConsumerConfiguration cc, LintOptions o) {
        return ContractLinter.lint(cc, STREAM, V2_15, o);
    }
}
