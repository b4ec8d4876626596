package dev.jscontract.contract;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The rule catalogue: stable IDs from {@code docs/jetstream-semantics.md} section (d), never reused. Each rule says what
 * it prevents, its default severity, the semantics rows it rests on, and where it is checked:
 *
 * <ul>
 *   <li>{@link Scope#CONFIG}: decided by {@link ContractLinter} from a contract, or from a consumer + stream
 *       configuration and server version;
 *   <li>{@link Scope#PROVISIONING}: decided by {@link ContractProvisioner} against the live server (read-back
 *       drift, immutable changes, create/update semantics by version);
 *   <li>{@link Scope#RUNTIME}: a property of the code that runs the consumer or relay (the {@code consumer} and
 *       {@code outbox-bridge} modules implement them; a configuration cannot show them).
 * </ul>
 */
public enum LintRule {
    ACK_001(
            "ACK-001",
            Severity.ERROR,
            Scope.CONFIG,
            "ack policy is not explicit: none loses messages, all acks messages that were not processed",
            "B-01",
            "B-15"),
    ACK_002(
            "ACK-002",
            Severity.ERROR,
            Scope.CONFIG,
            "no AckWait or BackOff declared: the 30 s default redelivers slow messages while they are processed",
            "B-01",
            "B-16"),
    ACK_003(
            "ACK-003",
            Severity.ERROR,
            Scope.CONFIG,
            "first ack deadline below 1.5 x expected p99 without heartbeats: the first attempt is redelivered while"
                    + " still running",
            "B-03",
            "B-16"),
    HB_001(
            "HB-001",
            Severity.ERROR,
            Scope.CONFIG,
            "heartbeat interval above a third of the shortest ack deadline: one lost heartbeat lets the deadline pass",
            "B-02",
            "B-07"),
    HB_002(
            "HB-002",
            Severity.WARNING,
            Scope.CONFIG,
            "heartbeats without an upper bound: a stuck handler holds its MaxAckPending slot forever",
            "B-07",
            "B-15"),
    HB_003(
            "HB-003",
            Severity.INFO,
            Scope.RUNTIME,
            "fire-and-forget inProgress(): a lost heartbeat goes unnoticed",
            "B-07"),
    BO_001(
            "BO-001",
            Severity.ERROR,
            Scope.CONFIG,
            "server BackOff set and AckWait differs from BackOff[0]: AckWait is silently replaced (10157 in pedantic"
                    + " mode)",
            "B-02"),
    BO_002(
            "BO-002",
            Severity.ERROR,
            Scope.CONFIG,
            "server BackOff[0] below expected p99: BackOff entries are ack deadlines, so the first attempt is"
                    + " redelivered while running",
            "B-03"),
    BO_003(
            "BO-003",
            Severity.ERROR,
            Scope.CONFIG,
            "MaxDeliver not greater than len(BackOff): consumer creation fails with 10116 on 2.9 / before 2.10.23",
            "B-04"),
    BO_004(
            "BO-004",
            Severity.WARNING,
            Scope.CONFIG,
            "len(BackOff) >= MaxDeliver: trailing BackOff entries are never used",
            "B-03"),
    MD_001(
            "MD-001",
            Severity.ERROR,
            Scope.CONFIG,
            "MaxDeliver unlimited: a poison message is redelivered forever and holds a MaxAckPending slot",
            "B-01",
            "B-12"),
    MD_002(
            "MD-002",
            Severity.ERROR,
            Scope.CONFIG,
            "finite MaxDeliver without a dead-letter sink: exhausted messages silently stop being processed",
            "B-12",
            "B-14"),
    MD_003(
            "MD-003",
            Severity.ERROR,
            Scope.CONFIG,
            "WorkQueue stream with finite MaxDeliver on nats-server 2.12.3/2.12.4: max-delivered messages are deleted"
                    + " (R3, nats-server #7817), so no dead-letter path can read them",
            "B-13"),
    DLQ_001(
            "DLQ-001",
            Severity.ERROR,
            Scope.RUNTIME,
            "dead-letter copy after term/ack: a crash between them loses the payload on WorkQueue streams",
            "B-10"),
    DLQ_002(
            "DLQ-002",
            Severity.WARNING,
            Scope.RUNTIME,
            "advisory-driven dead-lettering assumes the payload is still there, or leaves it in a WorkQueue stream",
            "B-13"),
    DLQ_003(
            "DLQ-003",
            Severity.WARNING,
            Scope.CONFIG,
            "dead-letter stream with WorkQueue retention: it cannot be browsed or replayed by ad-hoc consumers",
            "B-25"),
    DLQ_004(
            "DLQ-004",
            Severity.ERROR,
            Scope.RUNTIME,
            "relies on term(reason) before 2.10.4: the message is not terminated but redelivered",
            "B-11"),
    DLQ_005(
            "DLQ-005",
            Severity.ERROR,
            Scope.CONFIG,
            "dead-letter subject that no stream captures: every dead-letter publish fails, so nothing is"
                    + " dead-lettered",
            "B-14"),
    NAK_001(
            "NAK-001",
            Severity.ERROR,
            Scope.RUNTIME,
            "plain nak() for transient errors: immediate redelivery burns MaxDeliver in milliseconds",
            "B-08"),
    NAK_002(
            "NAK-002",
            Severity.WARNING,
            Scope.CONFIG,
            "nakWithDelay together with server BackOff: the wait is delay + BackOff[n-1] - BackOff[0]",
            "B-09"),
    NAK_003(
            "NAK-003",
            Severity.WARNING,
            Scope.CONFIG,
            "retry backoff none: every failed attempt is redelivered at once (a zero-delay NAK)",
            "B-08"),
    OUT_001(
            "OUT-001",
            Severity.INFO,
            Scope.CONFIG,
            "how long a downstream outage the contract rides out: without a breaker or a DEPENDENCY_DOWN"
                    + " classification every failure spends a delivery, so a longer outage dead-letters healthy messages",
            "B-08",
            "B-12"),
    MAP_001(
            "MAP-001",
            Severity.ERROR,
            Scope.CONFIG,
            "MaxAckPending undeclared, or below instances x batch size: a stalled or starved consumer",
            "B-15"),
    BUF_001(
            "BUF-001",
            Severity.ERROR,
            Scope.CONFIG,
            "buffered messages outwait their ack deadline: (batch / handler threads) x p99 >= first ack deadline",
            "B-16"),
    IDEM_001(
            "IDEM-001",
            Severity.ERROR,
            Scope.RUNTIME,
            "handler without an idempotency key (or keyed on the consumer sequence): duplicates after redelivery",
            "B-06",
            "B-26"),
    CON_001(
            "CON-001",
            Severity.WARNING,
            Scope.RUNTIME,
            "no ErrorListener for consume(): consumer deletion and pull errors are invisible",
            "J-map"),
    CON_002(
            "CON-002",
            Severity.WARNING,
            Scope.RUNTIME,
            "handler exceptions escape instead of deciding ack/nak/term: redelivery only after AckWait, uncounted",
            "J-map"),
    CON_003(
            "CON-003",
            Severity.ERROR,
            Scope.CONFIG,
            "ordered consumer used for contract work: ack none and max_deliver 1 mean no retries and no DLQ",
            "J-map"),
    UPD_001(
            "UPD-001",
            Severity.ERROR,
            Scope.PROVISIONING,
            "effective configuration read back differs from the contract: silent drift",
            "B-02",
            "B-21"),
    UPD_002(
            "UPD-002",
            Severity.ERROR,
            Scope.PROVISIONING,
            "change to an immutable field without a delete-and-recreate migration: update fails with 10012",
            "B-18"),
    UPD_003(
            "UPD-003",
            Severity.ERROR,
            Scope.PROVISIONING,
            "relies on create failing when the consumer exists before 2.10: 2.9 ignores action and updates",
            "B-20"),
    VER_001(
            "VER-001",
            Severity.ERROR,
            Scope.CONFIG,
            "feature newer than the target server: 2.9 silently drops filter_subjects, metadata, pause, priority",
            "B-21"),
    VER_002(
            "VER-002",
            Severity.WARNING,
            Scope.RUNTIME,
            "tests only on an older server than production: behaviour that passes tests may differ",
            "B-21",
            "B-23"),
    PUB_001(
            "PUB-001",
            Severity.ERROR,
            Scope.RUNTIME,
            "outbox publish without a deterministic message id: retries create duplicates",
            "B-22"),
    PUB_002(
            "PUB-002",
            Severity.ERROR,
            Scope.RUNTIME,
            "relay retry horizon beyond the stream's duplicate window: late retries are stored again",
            "B-22"),
    PUB_003(
            "PUB-003",
            Severity.ERROR,
            Scope.RUNTIME,
            "duplicate PubAck not treated as success: the row is retried forever",
            "B-22"),
    PUB_004(
            "PUB-004",
            Severity.WARNING,
            Scope.RUNTIME,
            "publishAsync futures not each awaited, or the row marked sent before the ack",
            "J-map"),
    PUB_005(
            "PUB-005",
            Severity.WARNING,
            Scope.RUNTIME,
            "message id combined with expected-sequence headers: 10071 on retry from 2.12",
            "B-23"),
    PUB_006("PUB-006", Severity.INFO, Scope.RUNTIME, "clustered publish path without retry on 409/10158", "B-23"),
    OPS_001(
            "OPS-001",
            Severity.INFO,
            Scope.CONFIG,
            "longest ack deadline above the failover SLO: a crashed consumer's messages wait that long",
            "B-17");

    /** Where a rule is decided. */
    public enum Scope {
        /** From configuration: {@link ContractLinter}. */
        CONFIG,
        /** Against a live server: {@link ContractProvisioner}. */
        PROVISIONING,
        /** By the code that runs the consumer or relay. */
        RUNTIME
    }

    private final String id;
    private final Severity defaultSeverity;
    private final Scope scope;
    private final String prevents;
    private final List<String> basis;

    LintRule(String id, Severity defaultSeverity, Scope scope, String prevents, String... basis) {
        this.id = id;
        this.defaultSeverity = defaultSeverity;
        this.scope = scope;
        this.prevents = prevents;
        this.basis = List.of(basis);
    }

    /** The stable ID, e.g. {@code BO-001}. */
    public String id() {
        return id;
    }

    /** The severity unless a contract raises it. */
    public Severity defaultSeverity() {
        return defaultSeverity;
    }

    /** Where it is decided. */
    public Scope scope() {
        return scope;
    }

    /** One line: the condition and the failure it prevents. */
    public String prevents() {
        return prevents;
    }

    /** The rows of {@code docs/jetstream-semantics.md} the rule rests on (B-xx, or J-map for the jnats API map). */
    public List<String> basis() {
        return basis;
    }

    /**
     * The rule with this ID.
     *
     * @throws IllegalArgumentException for an unknown ID (the message lists the known ones)
     */
    public static LintRule byId(String id) {
        Objects.requireNonNull(id, "id");
        for (LintRule r : values()) {
            if (r.id.equals(id)) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown lint rule '" + id + "'; known rules: "
                + Arrays.stream(values()).map(LintRule::id).collect(Collectors.joining(", ")));
    }

    @Override
    public String toString() {
        return id;
    }
}
