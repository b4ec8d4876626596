package dev.jscontract.spring.boot.autoconfigure;

import dev.jscontract.outbox.OutboxTables;
import dev.jscontract.spring.boot.ContractConsumers;
import dev.jscontract.spring.boot.OutboxRelayLifecycle;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Actuator health indicators on Spring Boot 4 ({@code spring-boot-health}): {@code jscontractConsumers} and, with a
 * relay, {@code jscontractOutboxRelay}. What each reports is described in {@link HealthReports}.
 */
@AutoConfiguration(after = {JsContractConsumerAutoConfiguration.class, JsContractOutboxAutoConfiguration.class})
@ConditionalOnClass(HealthIndicator.class)
public class JsContractHealthAutoConfiguration {

    /** The consumers' health. */
    @Bean
    @ConditionalOnBean(ContractConsumers.class)
    @ConditionalOnMissingBean(name = "jscontractConsumersHealthIndicator")
    public HealthIndicator jscontractConsumersHealthIndicator(ContractConsumers consumers) {
        return () -> toHealth(HealthReports.consumers(consumers));
    }

    /** The relay's health. */
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
