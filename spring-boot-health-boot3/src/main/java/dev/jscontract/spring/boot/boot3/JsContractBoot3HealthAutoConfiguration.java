package dev.jscontract.spring.boot.boot3;

import dev.jscontract.outbox.OutboxTables;
import dev.jscontract.spring.boot.ContractConsumers;
import dev.jscontract.spring.boot.OutboxRelayLifecycle;
import dev.jscontract.spring.boot.autoconfigure.HealthReports;
import dev.jscontract.spring.boot.autoconfigure.JsContractConsumerAutoConfiguration;
import dev.jscontract.spring.boot.autoconfigure.JsContractOutboxAutoConfiguration;
import dev.jscontract.spring.boot.autoconfigure.JsContractProperties;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Actuator health indicators on Spring Boot 3.x ({@code org.springframework.boot.actuate.health}): the same
 * {@code jscontractConsumers} and {@code jscontractOutboxRelay} indicators, with the same statuses and details, as
 * {@code JsContractHealthAutoConfiguration} gives on Boot 4; both adapt {@link HealthReports}.
 *
 * <p>Conditional on the Boot 3 health API by name, so on Boot 4 (where that package no longer exists) this class is
 * never loaded and the Boot 4 indicators apply instead.
 */
@AutoConfiguration(after = {JsContractConsumerAutoConfiguration.class, JsContractOutboxAutoConfiguration.class})
@ConditionalOnClass(name = "org.springframework.boot.actuate.health.HealthIndicator")
public class JsContractBoot3HealthAutoConfiguration {

    /**
     * The consumers' health.
     *
     * @param consumers the application's contract consumers
     * @return the indicator
     */
    @Bean
    @ConditionalOnBean(ContractConsumers.class)
    @ConditionalOnMissingBean(name = "jscontractConsumersHealthIndicator")
    public HealthIndicator jscontractConsumersHealthIndicator(ContractConsumers consumers) {
        return () -> toHealth(HealthReports.consumers(consumers));
    }

    /** The relay's health, when the application runs a relay. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnBean({OutboxRelayLifecycle.class, DataSource.class})
    static class RelayHealthConfiguration {
        @Bean
        @ConditionalOnMissingBean(name = "jscontractOutboxRelayHealthIndicator")
        HealthIndicator jscontractOutboxRelayHealthIndicator(
                OutboxRelayLifecycle relay,
                DataSource dataSource,
                OutboxTables tables,
                JsContractProperties properties) {
            Supplier<HealthReports.Report> reports = HealthReports.relayReports(relay, dataSource, tables, properties);
            return () -> toHealth(reports.get());
        }
    }

    static Health toHealth(HealthReports.Report report) {
        return Health.status(new Status(report.status()))
                .withDetails(report.details())
                .build();
    }
}
