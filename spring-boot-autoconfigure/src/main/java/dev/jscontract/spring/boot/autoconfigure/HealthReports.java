package dev.jscontract.spring.boot.autoconfigure;

import dev.jscontract.consumer.ConsumerHealth;
import dev.jscontract.consumer.ContractConsumer;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.outbox.OutboxAdmin;
import dev.jscontract.outbox.OutboxRelay;
import dev.jscontract.outbox.OutboxStatus;
import dev.jscontract.outbox.OutboxTables;
import dev.jscontract.outbox.RelayHealth;
import dev.jscontract.outbox.WalSettings;
import dev.jscontract.outbox.WalSlot;
import dev.jscontract.spring.boot.ContractConsumers;
import dev.jscontract.spring.boot.OutboxRelayLifecycle;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.springframework.util.unit.DataSize;
import org.springframework.util.unit.DataUnit;

/**
 * The health of consumers and the relay as a status code and details, independent of the Spring Boot line's health
 * API (Boot 4 moved it to {@code org.springframework.boot.health.contributor}); the indicators only adapt it.
 *
 * <p>Consumer states: RUNNING and PAUSED are UP (a pause is on purpose and ends on its own); RECOVERING is UNKNOWN
 * (it recovers on its own, and a reconnect should not take the instance out of service; it becomes HALTED, DOWN, when
 * the pull error budget is spent); HALTED (consumer deleted on the server, connection closed, pull errors beyond the
 * budget) and FAILED (did not start) are DOWN; DRAINING and CLOSED are OUT_OF_SERVICE. The aggregate is the worst
 * consumer, in the order DOWN, OUT_OF_SERVICE, UP, UNKNOWN (Spring's default order).
 *
 * <p>Relay: RUNNING is UP, RECOVERING UNKNOWN, HALTED DOWN, CLOSED OUT_OF_SERVICE; and DOWN when the oldest
 * unpublished row is older than {@code jscontract.outbox.relay.lag-threshold}. In WAL mode nothing waits in the table,
 * so the report reads the replication slot instead ({@link OutboxAdmin#walSlot(String)}): DOWN when the slot is
 * missing, when PostgreSQL removed WAL it still needed ({@code wal_status} {@code lost}: the events after its confirmed
 * position are lost), or when it lags more than {@code jscontract.outbox.relay.wal-lag-threshold} bytes of WAL behind
 * the current position. Parked rows are reported, not judged: they need a person, not a restart.
 *
 * <p>Public so that the Spring Boot 3 adapter ({@code jscontract-spring-boot-health-boot3}, compiled against Boot 3's
 * {@code org.springframework.boot.actuate.health}) reports exactly what the Boot 4 indicators report; an application
 * may also use it to fold jscontract into its own health contributor.
 */
public final class HealthReports {
    /**
     * A status code ({@code UP}, {@code DOWN}, {@code OUT_OF_SERVICE}, {@code UNKNOWN}) and details.
     *
     * @param status the status code, one of Spring Boot's standard codes
     * @param details what the indicator shows under {@code details}, in a stable order
     */
    public record Report(String status, Map<String, Object> details) {}

    private static final List<String> ORDER = List.of("DOWN", "OUT_OF_SERVICE", "UP", "UNKNOWN");
    private static final Map<DataUnit, String> SUFFIXES = Map.of(
            DataUnit.TERABYTES, "TB", DataUnit.GIGABYTES, "GB", DataUnit.MEGABYTES, "MB", DataUnit.KILOBYTES, "KB");

    private HealthReports() {}

    /**
     * The consumers' health: the worst consumer's status, and per consumer its contract, state and problem.
     *
     * @param consumers the application's contract consumers
     * @return the report
     */
    public static Report consumers(ContractConsumers consumers) {
        String worst = "UNKNOWN";
        Map<String, Object> details = new LinkedHashMap<>();
        Map<String, RuntimeException> failures = consumers.getStartFailures();
        for (Map.Entry<String, ConsumerContract> e : consumers.getContracts().entrySet()) {
            String name = e.getKey();
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("stream", e.getValue().getStream());
            d.put("durable", e.getValue().getDurable());
            String status;
            ContractConsumer consumer = consumers.get(name).orElse(null);
            if (failures.containsKey(name)) {
                status = "DOWN";
                d.put("state", "failed");
                d.put("detail", "did not start: " + failures.get(name).getMessage());
            } else if (consumer == null) {
                status = "UNKNOWN";
                d.put("state", "not started");
            } else {
                ConsumerHealth h = consumer.getHealth();
                status = switch (h.getState()) {
                    case RUNNING, PAUSED -> "UP";
                    case RECOVERING, NEW -> "UNKNOWN";
                    case HALTED, FAILED -> "DOWN";
                    case DRAINING, CLOSED -> "OUT_OF_SERVICE";
                };
                d.put("state", h.getState().tagValue());
                h.getPauseCause().ifPresent(c -> d.put("pauseCause", c.tagValue()));
                h.getProblem().ifPresent(p -> d.put("problem", p.tagValue()));
                if (!h.getDetail().isEmpty()) {
                    d.put("detail", h.getDetail());
                }
                d.put("since", h.getSince().toString());
                d.put("inFlight", consumer.getInFlight());
            }
            d.put("status", status);
            details.put(name, d);
            worst = worse(worst, status);
        }
        if (details.isEmpty()) {
            worst = "UP";
        }
        return new Report(worst, details);
    }

    /**
     * The relay's health: its state and parked rows; in the table mode the backlog and the oldest unpublished row's
     * age against {@code lagThreshold}, in WAL mode the replication slot and its lag against {@code walLagThreshold}.
     *
     * <p>Details in the table mode: {@code backlog}, {@code parked}, {@code lag}, {@code lagThreshold}, and {@code
     * lagExceeded} when DOWN for it. In WAL mode: {@code slot}, {@code active} (whether a relay streams from it: this
     * one, or another instance's while this one stands by), {@code confirmedLsn}, {@code retainedBytes}, {@code
     * lagBytes}, {@code walLagThreshold}, {@code walStatus}, {@code parked}, and the reason when DOWN for the slot:
     * {@code slotMissing}, {@code walLost} or {@code lagExceeded}. {@code error} when the database cannot be read.
     *
     * @param lifecycle the relay the application runs
     * @param admin reads the outbox status and the slot
     * @param lagThreshold table mode: DOWN when the oldest unpublished row is older
     * @param walLagThreshold WAL mode: DOWN when the slot lags more WAL than this behind the current position
     * @param clock the clock the age is measured with
     * @return the report
     */
    public static Report relay(
            OutboxRelayLifecycle lifecycle,
            OutboxAdmin admin,
            Duration lagThreshold,
            DataSize walLagThreshold,
            Clock clock) {
        OutboxRelay relay = lifecycle.getRelay();
        RelayHealth h = relay.getHealth();
        Map<String, Object> details = new LinkedHashMap<>();
        String status =
                switch (h.getState()) {
                    case RUNNING -> "UP";
                    case NEW, RECOVERING -> "UNKNOWN";
                    case HALTED -> "DOWN";
                    case CLOSED -> "OUT_OF_SERVICE";
                };
        details.put("relay", relay.getName());
        details.put("state", h.getState().tagValue());
        h.getCause().ifPresent(c -> details.put("cause", c.tagValue()));
        if (!h.getDetail().isEmpty()) {
            details.put("detail", h.getDetail());
        }
        details.put("since", h.getSince().toString());
        WalSettings wal = relay.getWal();
        if (wal != null) {
            String slotName = wal.getSlot();
            try {
                WalSlot slot = admin.walSlot(slotName).orElse(null);
                long parked = admin.status().getParked();
                if (!walSlot(slotName, slot, walLagThreshold, details)) {
                    status = "DOWN";
                }
                details.put("parked", parked);
            } catch (SQLException | RuntimeException e) {
                status = "DOWN";
                details.put(
                        "error", "cannot read replication slot " + slotName + " or the parked rows: " + e.getMessage());
            }
            return new Report(status, details);
        }
        try {
            OutboxStatus s = admin.status();
            details.put("backlog", s.getBacklog());
            details.put("parked", s.getParked());
            Instant oldest = s.getOldestCreatedAt();
            Duration lag = oldest == null ? Duration.ZERO : Duration.between(oldest, clock.instant());
            details.put("lag", lag.toString());
            details.put("lagThreshold", lagThreshold.toString());
            if (lag.compareTo(lagThreshold) > 0) {
                status = "DOWN";
                details.put(
                        "lagExceeded",
                        "the oldest unpublished row is " + lag + " old, over jscontract.outbox.relay.lag-threshold="
                                + lagThreshold);
            }
        } catch (SQLException | RuntimeException e) {
            status = "DOWN";
            details.put("error", "cannot read the outbox status: " + e.getMessage());
        }
        return new Report(status, details);
    }

    /**
     * Puts the WAL-mode slot details into {@code details} and tells whether the slot is healthy: false when it is
     * missing, its WAL is lost, or it lags more than {@code threshold}.
     */
    static boolean walSlot(String name, @Nullable WalSlot slot, DataSize threshold, Map<String, Object> details) {
        details.put("slot", name);
        if (slot == null) {
            details.put(
                    "slotMissing",
                    "replication slot " + name + " does not exist: the relay creates it at start, so it was dropped"
                            + " (by hand, or lost in a database failover); events written while it was missing are"
                            + " not relayed, see README \"WAL mode\"");
            return false;
        }
        details.put("active", slot.isActive());
        if (slot.getConfirmedFlushLsn() != null) {
            details.put("confirmedLsn", slot.getConfirmedFlushLsn());
        }
        details.put("retainedBytes", slot.getRetainedBytes());
        details.put("lagBytes", slot.getLagBytes());
        String thresholdText = sizeProperty(threshold);
        details.put("walLagThreshold", thresholdText);
        if (slot.getWalStatus() != null) {
            details.put("walStatus", slot.getWalStatus());
        }
        if ("lost".equals(slot.getWalStatus())) {
            details.put(
                    "walLost",
                    "replication slot " + name + " lost WAL to max_slot_wal_keep_size: it can no longer be read, and"
                            + " events written after its confirmed position were not relayed; drop the slot and start"
                            + " a relay, see README \"WAL mode\"");
            return false;
        }
        if (slot.getLagBytes() > threshold.toBytes()) {
            details.put(
                    "lagExceeded",
                    "replication slot " + name + " lags " + slot.getLagBytes() + " bytes of WAL behind the current"
                            + " position, over jscontract.outbox.relay.wal-lag-threshold=" + thresholdText
                            + (slot.isActive()
                                    ? ""
                                    : "; no relay streams from it (see the relay's state, or start one)"));
            return false;
        }
        return true;
    }

    /** {@code size} as a property value: {@code 1GB}, {@code 256MB}, {@code 1536KB}, {@code 100B}. */
    static String sizeProperty(DataSize size) {
        long bytes = size.toBytes();
        if (bytes > 0) {
            for (DataUnit unit :
                    List.of(DataUnit.TERABYTES, DataUnit.GIGABYTES, DataUnit.MEGABYTES, DataUnit.KILOBYTES)) {
                long per = DataSize.of(1, unit).toBytes();
                if (bytes % per == 0) {
                    return bytes / per + SUFFIXES.get(unit);
                }
            }
        }
        return bytes + "B";
    }

    /**
     * The relay's report as the indicators ask for it: reads the outbox status (in WAL mode also the replication slot)
     * through {@code dataSource} on each call, against {@code jscontract.outbox.relay.lag-threshold} and {@code
     * .wal-lag-threshold}, with the system clock.
     *
     * @param lifecycle the relay the application runs
     * @param dataSource the outbox's data source
     * @param tables the outbox's tables
     * @param properties the bound {@code jscontract.*} properties
     * @return a supplier of fresh reports
     */
    public static Supplier<Report> relayReports(
            OutboxRelayLifecycle lifecycle,
            DataSource dataSource,
            OutboxTables tables,
            JsContractProperties properties) {
        OutboxAdmin admin = OutboxAdmin.create(dataSource, tables);
        JsContractProperties.Relay relay = properties.getOutbox().getRelay();
        Duration threshold = relay.getLagThreshold();
        DataSize walThreshold = relay.getWalLagThreshold();
        return () -> relay(lifecycle, admin, threshold, walThreshold, Clock.systemUTC());
    }

    private static String worse(String a, String b) {
        return ORDER.indexOf(a) <= ORDER.indexOf(b) ? a : b;
    }
}
