package dev.jscontract.spring.boot.autoconfigure;

import dev.jscontract.consumer.ConsumerHealth;
import dev.jscontract.consumer.ContractConsumer;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.outbox.OutboxAdmin;
import dev.jscontract.outbox.OutboxStatus;
import dev.jscontract.outbox.OutboxTables;
import dev.jscontract.outbox.RelayHealth;
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
 * unpublished row is older than {@code jscontract.outbox.relay.lag-threshold}. Parked rows are reported, not judged:
 * they need a person, not a restart.
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
     * The relay's health: its state, the backlog, parked rows and the oldest unpublished row's age against the
     * threshold.
     *
     * @param lifecycle the relay the application runs
     * @param admin reads the outbox status
     * @param lagThreshold DOWN when the oldest unpublished row is older
     * @param clock the clock the age is measured with
     * @return the report
     */
    public static Report relay(OutboxRelayLifecycle lifecycle, OutboxAdmin admin, Duration lagThreshold, Clock clock) {
        RelayHealth h = lifecycle.getRelay().getHealth();
        Map<String, Object> details = new LinkedHashMap<>();
        String status =
                switch (h.getState()) {
                    case RUNNING -> "UP";
                    case NEW, RECOVERING -> "UNKNOWN";
                    case HALTED -> "DOWN";
                    case CLOSED -> "OUT_OF_SERVICE";
                };
        details.put("relay", lifecycle.getRelay().getName());
        details.put("state", h.getState().tagValue());
        h.getCause().ifPresent(c -> details.put("cause", c.tagValue()));
        if (!h.getDetail().isEmpty()) {
            details.put("detail", h.getDetail());
        }
        details.put("since", h.getSince().toString());
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
     * The relay's report as the indicators ask for it: reads the outbox status through {@code dataSource} on each call,
     * against {@code jscontract.outbox.relay.lag-threshold}, with the system clock.
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
        Duration threshold = properties.getOutbox().getRelay().getLagThreshold();
        return () -> relay(lifecycle, admin, threshold, Clock.systemUTC());
    }

    private static String worse(String a, String b) {
        return ORDER.indexOf(a) <= ORDER.indexOf(b) ? a : b;
    }
}
