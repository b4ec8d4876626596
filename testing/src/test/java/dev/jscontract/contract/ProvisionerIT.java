package dev.jscontract.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.NatsServerMatrix;
import dev.jscontract.testing.WithNatsServer;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StreamConfiguration;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * {@link ContractProvisioner} against real servers of every version: create, unchanged, update, drift behind the
 * contract's back (UPD-001), immutable changes (UPD-002), create/update by version (UPD-003, B-20), server-owned
 * metadata, dead-letter streams.
 */
@NatsServerMatrix
@WithNatsServer
@Execution(ExecutionMode.CONCURRENT)
class ProvisionerIT {
    private static final AtomicInteger IDS = new AtomicInteger();

    private Connection nc;
    private JetStreamManagement jsm;
    private String stream;
    private ServerVersion version;

    @BeforeEach
    void setUp(NatsServer server) throws Exception {
        nc = server.connect();
        jsm = nc.jetStreamManagement();
        stream = "PROV" + IDS.incrementAndGet();
        jsm.addStream(StreamConfiguration.builder()
                .name(stream)
                .subjects(stream.toLowerCase() + ".>")
                .build());
        version = ServerVersion.of(nc);
    }

    @AfterEach
    void tearDown() throws Exception {
        nc.close();
    }

    private ContractBuilder contract() {
        return ConsumerContract.builder().stream(stream)
                .durable("billing")
                .ackWait(Duration.ofSeconds(30))
                .maxDeliver(5)
                .backoff(Backoff.fixed(Duration.ofSeconds(1)))
                .deadLetter(DeadLetterPolicy.toDefaultSubject())
                .maxAckPending(50);
    }

    private ContractProvisioner provisioner() {
        return ContractProvisioner.builder(nc).build();
    }

    @Test
    void createsThenLeavesAloneThenUpdates() throws Exception {
        ProvisionResult created = provisioner().provision(contract().build());
        assertThat(created.getAction()).isEqualTo(ProvisionResult.Action.CREATED);
        assertThat(created.getDrift().isEmpty()).isTrue();
        assertThat(created.getServerVersion()).isEqualTo(version);
        ConsumerConfiguration cc = created.getConsumerInfo().getConsumerConfiguration();
        assertThat(cc.getAckWait()).isEqualTo(Duration.ofSeconds(30));
        assertThat(cc.getMaxDeliver()).isEqualTo(5);
        assertThat(cc.getMaxAckPending()).isEqualTo(50);

        assertThat(provisioner().provision(contract().build()).getAction()).isEqualTo(ProvisionResult.Action.UNCHANGED);

        ProvisionResult updated = provisioner()
                .provision(contract().build().toBuilder()
                        .ackWait(Duration.ofSeconds(45))
                        .build());
        assertThat(updated.getAction()).isEqualTo(ProvisionResult.Action.UPDATED);
        assertThat(updated.getChanges().getDifferences()).singleElement().satisfies(d -> {
            assertThat(d.getField()).isEqualTo("ack_wait");
            assertThat(d.getExpected()).isEqualTo("45s");
            assertThat(d.getActual()).isEqualTo("30s");
            assertThat(d.getKind()).isEqualTo(Drift.Kind.MUTABLE);
        });
        assertThat(jsm.getConsumerInfo(stream, "billing")
                        .getConsumerConfiguration()
                        .getAckWait())
                .isEqualTo(Duration.ofSeconds(45));
    }

    @Test
    void driftBehindTheContractsBackIsReportedFieldByField() throws Exception {
        ConsumerContract c = contract().build();
        provisioner().provision(c);
        // someone changes the consumer with plain jnats
        ConsumerConfiguration changed = ConsumerConfiguration.builder(
                        jsm.getConsumerInfo(stream, "billing").getConsumerConfiguration())
                .ackWait(Duration.ofSeconds(10))
                .maxAckPending(1000)
                .build();
        jsm.addOrUpdateConsumer(stream, changed);

        ContractProvisioner verify = ContractProvisioner.builder(nc)
                .mode(ContractProvisioner.Mode.VERIFY_ONLY)
                .build();
        assertThatThrownBy(() -> verify.provision(c))
                .isInstanceOf(ContractDriftException.class)
                .hasMessageContaining("consumer " + stream + "/billing does not match its contract (verify only)")
                .hasMessageContaining("ack_wait: contract 30s, server 10s (mutable)")
                .hasMessageContaining("max_ack_pending: contract 50, server 1000 (mutable)")
                .satisfies(
                        e -> assertThat(((ContractDriftException) e).getDrift().getDifferences())
                                .extracting(Drift.Difference::getField)
                                .containsExactly("ack_wait", "max_ack_pending"));
        // verify-only never wrote
        assertThat(jsm.getConsumerInfo(stream, "billing")
                        .getConsumerConfiguration()
                        .getAckWait())
                .isEqualTo(Duration.ofSeconds(10));

        // create-or-update puts the contract back and reports what it changed
        ProvisionResult fixed = provisioner().provision(c);
        assertThat(fixed.getAction()).isEqualTo(ProvisionResult.Action.UPDATED);
        assertThat(fixed.getChanges().getDifferences())
                .extracting(Drift.Difference::getField)
                .containsExactly("ack_wait", "max_ack_pending");
        assertThat(fixed.getDrift().isEmpty()).isTrue();
    }

    @Test
    void immutableChangesAreRefusedWithTheMigration() throws Exception {
        provisioner().provision(contract().build());
        ConsumerContract changed = contract().deliverPolicy(DeliverPolicy.New).build();
        assertThatThrownBy(() -> provisioner().provision(changed))
                .isInstanceOf(ContractDriftException.class)
                .hasMessageContaining("an update would change immutable fields; nothing was written (UPD-002)")
                .hasMessageContaining("deliver_policy: contract new, server all (immutable)")
                .hasMessageContaining("delete and recreate " + stream + "/billing")
                .hasMessageContaining("`nats consumer rm " + stream + " billing`");
        assertThat(jsm.getConsumerInfo(stream, "billing")
                        .getConsumerConfiguration()
                        .getDeliverPolicy())
                .isEqualTo(DeliverPolicy.All);
    }

    @Test
    void theServerRefusesTheSameImmutableUpdateWith10012() throws Exception {
        provisioner().provision(contract().build());
        ConsumerConfiguration raw =
                contract().deliverPolicy(DeliverPolicy.New).build().toConsumerConfiguration(version);
        assertThatThrownBy(() -> jsm.addOrUpdateConsumer(stream, raw))
                .isInstanceOf(io.nats.client.JetStreamApiException.class)
                .satisfies(e -> assertThat(((io.nats.client.JetStreamApiException) e).getApiErrorCode())
                        .isEqualTo(10012));
    }

    @Test
    void serverBackoffReplacingAckWaitIsEffectiveDrift() {
        ConsumerContract c = contract()
                .serverBackoff(Duration.ofSeconds(5), Duration.ofSeconds(10))
                .build(); // ackWait 30 s != serverBackoff[0] 5 s: BO-001
        assertThatThrownBy(() -> provisioner().provision(c))
                .as("refused by lint before anything is written")
                .isInstanceOf(ContractLintException.class)
                .hasMessageContaining("BO-001");
        ContractProvisioner lenient =
                ContractProvisioner.builder(nc).failOnLintErrors(false).build();
        assertThatThrownBy(() -> lenient.provision(c))
                .as("and the drift shows when it is provisioned anyway")
                .isInstanceOf(ContractDriftException.class)
                .hasMessageContaining("ack_wait: contract 30s, server 5s (effective)")
                .hasMessageContaining("set ackWait to 5s in the contract");
        assertThat(ContractLinter.lint(c).has("BO-001")).isTrue();
    }

    @Test
    void createVersusUpdateFollowsTheServerVersion() throws Exception {
        provisioner().provision(contract().build());
        ConsumerConfiguration other = contract().build().toBuilder()
                .ackWait(Duration.ofSeconds(7))
                .build()
                .toConsumerConfiguration(version);
        if (version.isAtLeast(ServerVersion.V2_10_0)) {
            // action "create" on an existing consumer with a different config: 10148
            assertThatThrownBy(() -> jsm.createConsumer(stream, other))
                    .isInstanceOf(io.nats.client.JetStreamApiException.class)
                    .satisfies(e -> assertThat(((io.nats.client.JetStreamApiException) e).getApiErrorCode())
                            .isEqualTo(10148));
        } else {
            // 2.9 ignores action: "create" quietly updates (UPD-003), which is why the provisioner checks first
            jsm.createConsumer(stream, other);
            assertThat(jsm.getConsumerInfo(stream, "billing")
                            .getConsumerConfiguration()
                            .getAckWait())
                    .isEqualTo(Duration.ofSeconds(7));
        }
    }

    @Test
    void serverOwnedMetadataIsNotDrift() throws Exception {
        ConsumerContract c = version.isAtLeast(ServerVersion.V2_10_0)
                ? contract().metadata(Map.of("team", "payments")).build()
                : contract().build();
        ProvisionResult r = provisioner().provision(c);
        Map<String, String> onServer =
                r.getConsumerInfo().getConsumerConfiguration().getMetadata();
        if (version.isAtLeast(ServerVersion.parse("2.11.0"))) {
            assertThat(onServer).containsKey("_nats.ver");
        }
        assertThat(r.getDrift().isEmpty()).isTrue();
        assertThat(provisioner().provision(c).getAction()).isEqualTo(ProvisionResult.Action.UNCHANGED);
    }

    @Test
    void filterChangesAreImmutableBefore2912() throws Exception {
        provisioner()
                .provision(contract().filterSubject(stream.toLowerCase() + ".a").build());
        ConsumerContract moved =
                contract().filterSubject(stream.toLowerCase() + ".b").build();
        if (version.isAtLeast(ServerVersion.parse("2.9.12"))) {
            assertThat(provisioner().provision(moved).getAction()).isEqualTo(ProvisionResult.Action.UPDATED);
        } else {
            assertThatThrownBy(() -> provisioner().provision(moved))
                    .isInstanceOf(ContractDriftException.class)
                    .hasMessageContaining("filter_subjects")
                    .hasMessageContaining("does not rebuild a consumer's filter on update (B-19)");
        }
    }

    @Test
    void deadLetterAndAdvisoryStreamsAreCreatedWithLimitsRetention() throws Exception {
        provisioner().provision(contract().build());
        StreamConfiguration dlq = jsm.getStreamInfo("DLQ_" + stream).getConfiguration();
        assertThat(dlq.getRetentionPolicy()).isEqualTo(RetentionPolicy.Limits);
        assertThat(dlq.getSubjects()).containsExactly("dlq." + stream + ".>");
        assertThat(dlq.getMaxAge()).isEqualTo(Duration.ofDays(14));
        assertThat(dlq.getDuplicateWindow()).isEqualTo(Duration.ofHours(1));
        StreamConfiguration adv = jsm.getStreamInfo("JSC_ADV_" + stream).getConfiguration();
        assertThat(adv.getSubjects()).containsExactly("$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES." + stream + ".*");
    }

    @Test
    void lintErrorsForTheServersVersionAreRefusedBeforeAnythingIsWritten() throws Exception {
        ConsumerContract c =
                contract().heartbeatInterval(Duration.ofSeconds(20)).build(); // HB-001: > 30 s / 3
        assertThatThrownBy(() -> provisioner().provision(c))
                .isInstanceOf(ContractLintException.class)
                .hasMessageContaining("HB-001")
                .hasMessageContaining("suppress(\"HB-001\", \"<why it does not apply>\")");
        assertThatThrownBy(() -> jsm.getConsumerInfo(stream, "billing"))
                .as("nothing was created")
                .isInstanceOf(io.nats.client.JetStreamApiException.class);
        assertThatThrownBy(() -> jsm.getStreamInfo("DLQ_" + stream))
                .as("not even the dead-letter stream")
                .isInstanceOf(io.nats.client.JetStreamApiException.class);
    }

    @Test
    void aWorkQueueDeadLetterStreamIsReported() throws Exception {
        jsm.addStream(StreamConfiguration.builder()
                .name("DLQ_" + stream)
                .subjects("dlq." + stream + ".>")
                .retentionPolicy(RetentionPolicy.WorkQueue)
                .build());
        ProvisionResult r = provisioner().provision(contract().build());
        assertThat(r.getFindings()).extracting(Finding::getRuleId).contains("DLQ-003");
    }

    @Test
    void theLintSeesTheLiveStreamsRetentionInBothModes() throws Exception {
        String wq = stream + "WQ";
        jsm.addStream(StreamConfiguration.builder()
                .name(wq)
                .subjects(wq.toLowerCase() + ".>")
                .retentionPolicy(RetentionPolicy.WorkQueue)
                .build());
        // MD-002 on a WorkQueue stream: an exhausted message stays in the stream for ever (B-13, shown on every
        // version by LintRulesIT.md002...); only a lint that reads the stream can say so
        ConsumerContract noSink = contract().build().toBuilder().stream(wq)
                .deadLetter(DeadLetterPolicy.none())
                .build();
        String workQueueConsequence = "stays in the WorkQueue stream forever (B-13)";
        assertThatThrownBy(() -> provisioner().provision(noSink))
                .isInstanceOf(ContractLintException.class)
                .hasMessageContaining("MD-002")
                .hasMessageContaining(workQueueConsequence);

        ProvisionResult created =
                ContractProvisioner.builder(nc).failOnLintErrors(false).build().provision(noSink);
        assertThat(created.getFindings())
                .filteredOn(f -> f.getRuleId().equals("MD-002"))
                .singleElement()
                .satisfies(f -> assertThat(f.getMessage()).contains(workQueueConsequence));
        ProvisionResult verified = ContractProvisioner.builder(nc)
                .mode(ContractProvisioner.Mode.VERIFY_ONLY)
                .failOnLintErrors(false)
                .build()
                .provision(noSink);
        assertThat(verified.getFindings())
                .filteredOn(f -> f.getRuleId().equals("MD-002"))
                .singleElement()
                .satisfies(f -> assertThat(f.getMessage()).contains(workQueueConsequence));

        ConsumerContract onLimits = noSink.toBuilder().stream(stream).build();
        assertThat(ContractProvisioner.builder(nc)
                        .failOnLintErrors(false)
                        .build()
                        .provision(onLimits)
                        .getFindings())
                .filteredOn(f -> f.getRuleId().equals("MD-002"))
                .singleElement()
                .satisfies(f -> assertThat(f.getMessage()).doesNotContain("WorkQueue"));
    }

    @Test
    void aWorkQueueDeadLetterStreamTheProvisionerDoesNotManageIsReportedToo() throws Exception {
        jsm.addStream(StreamConfiguration.builder()
                .name("DLQ_" + stream)
                .subjects("dlq." + stream + ".>")
                .retentionPolicy(RetentionPolicy.WorkQueue)
                .build());
        ProvisionResult r = ContractProvisioner.builder(nc)
                .deadLetterStreams(false)
                .build()
                .provision(contract().build());
        assertThat(r.getFindings()).extracting(Finding::getRuleId).contains("DLQ-003");
        assertThat(jsm.getStreamNames())
                .as("nothing but the consumer was written")
                .doesNotContain("JSC_ADV_" + stream);
    }

    @Test
    void verifyOnlyNeverWrites() throws Exception {
        ContractProvisioner verify = ContractProvisioner.builder(nc)
                .mode(ContractProvisioner.Mode.VERIFY_ONLY)
                .build();
        assertThatThrownBy(() -> verify.provision(contract().build()))
                .isInstanceOf(ContractProvisioningException.class)
                .hasMessage("consumer " + stream + "/billing does not exist and the provisioner is in VERIFY_ONLY"
                        + " mode, which never writes; create it (CREATE_OR_UPDATE mode) or check the stream and"
                        + " durable names");
        assertThat(jsm.getConsumerNames(stream)).isEmpty();
        assertThat(jsm.getStreamNames()).doesNotContain("DLQ_" + stream, "JSC_ADV_" + stream);
    }

    @Test
    void aMissingSourceStreamIsAClearError() {
        ConsumerContract c =
                contract().build().toBuilder().stream("NOPE" + stream).build();
        assertThatThrownBy(() -> provisioner().provision(c))
                .isInstanceOf(ContractProvisioningException.class)
                .hasMessage("stream NOPE" + stream + " does not exist on the server; create it first (jscontract"
                        + " provisions consumers and dead-letter streams, never source streams)");
    }

    @Test
    void featuresTheServerWouldDropAreRefusedBeforeAnythingIsSent() throws Exception {
        ConsumerContract multi = contract()
                .filterSubjects(stream.toLowerCase() + ".a", stream.toLowerCase() + ".b")
                .build();
        if (version.isBefore(ServerVersion.V2_10_0)) {
            assertThatThrownBy(() -> provisioner().provision(multi))
                    .isInstanceOf(UnsupportedServerFeatureException.class);
            assertThat(jsm.getConsumerNames(stream)).isEmpty();
        } else {
            assertThat(provisioner()
                            .provision(multi)
                            .getConsumerInfo()
                            .getConsumerConfiguration()
                            .getFilterSubjects())
                    .hasSize(2);
        }
    }
}
