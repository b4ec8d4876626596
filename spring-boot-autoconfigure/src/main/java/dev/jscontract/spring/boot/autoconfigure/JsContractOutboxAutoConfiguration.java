package dev.jscontract.spring.boot.autoconfigure;

import dev.jscontract.outbox.OutboxRelay;
import dev.jscontract.outbox.OutboxSchema;
import dev.jscontract.outbox.OutboxTables;
import dev.jscontract.outbox.OutboxWriter;
import dev.jscontract.spring.boot.OutboxRelayLifecycle;
import dev.jscontract.spring.boot.TransactionalOutboxWriter;
import io.nats.client.Connection;
import java.sql.SQLException;
import java.time.Duration;
import javax.sql.DataSource;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.util.ClassUtils;

/**
 * The transactional outbox on the application's {@code DataSource}: the schema installed at start (unless {@code
 * jscontract.outbox.initialize-schema.enabled=false}, e.g. when Flyway or Liquibase owns it), a {@link
 * TransactionalOutboxWriter} that joins the current Spring transaction, and, with {@code
 * jscontract.outbox.relay.enabled=true}, an {@link OutboxRelay} started and closed with the context.
 */
@AutoConfiguration(
        after = JsContractNatsAutoConfiguration.class,
        afterName = {
            "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
            "org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration"
        })
@ConditionalOnClass({OutboxWriter.class, DataSourceUtils.class})
@ConditionalOnSingleCandidate(DataSource.class)
@ConditionalOnProperty(prefix = "jscontract.outbox", name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties(JsContractProperties.class)
public class JsContractOutboxAutoConfiguration {

    /** The outbox's table names from {@code jscontract.outbox.table} and {@code .schema}. */
    @Bean
    @ConditionalOnMissingBean
    public OutboxTables jscontractOutboxTables(JsContractProperties properties) {
        JsContractProperties.Outbox outbox = properties.getOutbox();
        OutboxTables.Builder b = OutboxTables.builder();
        try {
            b.table(outbox.getTable());
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigurationPropertyValueException(
                    "jscontract.outbox.table", outbox.getTable(), e.getMessage());
        }
        if (outbox.getSchema() != null) {
            try {
                b.schema(outbox.getSchema());
            } catch (IllegalArgumentException e) {
                throw new InvalidConfigurationPropertyValueException(
                        "jscontract.outbox.schema", outbox.getSchema(), e.getMessage());
            }
        }
        return b.build();
    }

    /** Installs the outbox schema at start (idempotent; safe from several instances at once). */
    @Bean
    @ConditionalOnProperty(prefix = "jscontract.outbox.initialize-schema", name = "enabled", matchIfMissing = true)
    public OutboxSchemaInitializer jscontractOutboxSchemaInitializer(
            DataSource dataSource, OutboxTables tables, JsContractProperties properties) {
        int partitions = properties.getOutbox().getInitializeSchema().getPartitions();
        if (partitions < 1 || partitions > OutboxSchema.MAX_PARTITIONS) {
            throw new InvalidConfigurationPropertyValueException(
                    "jscontract.outbox.initialize-schema.partitions",
                    partitions,
                    "must be 1 to " + OutboxSchema.MAX_PARTITIONS + "; it is fixed at the first install");
        }
        return new OutboxSchemaInitializer(dataSource, tables, partitions);
    }

    /** The writer that joins the current transaction. */
    @Bean
    @ConditionalOnMissingBean
    public TransactionalOutboxWriter jscontractOutboxWriter(
            DataSource dataSource, OutboxTables tables, ListableBeanFactory beanFactory) {
        // created after the schema, so a write in another bean's initialisation finds the table
        beanFactory.getBeanProvider(OutboxSchemaInitializer.class).ifAvailable(i -> {});
        return new TransactionalOutboxWriter(
                dataSource, OutboxWriter.builder().tables(tables).build());
    }

    /** The relay, with the application's lifecycle. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnProperty(prefix = "jscontract.outbox.relay", name = "enabled", havingValue = "true")
    static class RelayConfiguration {
        @Bean
        @ConditionalOnMissingBean
        OutboxRelayLifecycle jscontractOutboxRelay(
                Connection connection,
                DataSource dataSource,
                OutboxTables tables,
                JsContractProperties properties,
                ListableBeanFactory beanFactory) {
            beanFactory.getBeanProvider(OutboxSchemaInitializer.class).ifAvailable(i -> {});
            JsContractProperties.Relay relay = properties.getOutbox().getRelay();
            OutboxRelay.Builder b = OutboxRelay.builder()
                    .connection(connection)
                    .dataSource(dataSource)
                    .tables(tables);
            if (relay.getName() != null) {
                try {
                    b.name(relay.getName());
                } catch (IllegalArgumentException e) {
                    throw new InvalidConfigurationPropertyValueException(
                            "jscontract.outbox.relay.name", relay.getName(), e.getMessage());
                }
            }
            if (!relay.getStreams().isEmpty()) {
                try {
                    b.streams(relay.getStreams().toArray(String[]::new));
                } catch (IllegalArgumentException e) {
                    throw new InvalidConfigurationPropertyValueException(
                            "jscontract.outbox.relay.streams", relay.getStreams(), e.getMessage());
                }
            }
            Duration lag = relay.getLagThreshold();
            if (lag == null || lag.isZero() || lag.isNegative()) {
                throw new InvalidConfigurationPropertyValueException(
                        "jscontract.outbox.relay.lag-threshold", lag, "must be a positive duration, e.g. 1m");
            }
            if (ClassUtils.isPresent(
                    "io.micrometer.core.instrument.MeterRegistry", getClass().getClassLoader())) {
                MicrometerSupport.bindRelay(beanFactory, b);
            }
            return new OutboxRelayLifecycle(b.build());
        }
    }

    /** Applies {@link OutboxSchema#install(DataSource, OutboxTables, int)} when created. */
    public static final class OutboxSchemaInitializer implements InitializingBean {
        private final DataSource dataSource;
        private final OutboxTables tables;
        private final int partitions;

        OutboxSchemaInitializer(DataSource dataSource, OutboxTables tables, int partitions) {
            this.dataSource = dataSource;
            this.tables = tables;
            this.partitions = partitions;
        }

        /**
         * Installs the schema.
         *
         * @throws IllegalStateException when the database refuses, or the outbox exists with another partition count
         */
        @Override
        public void afterPropertiesSet() {
            try {
                OutboxSchema.install(dataSource, tables, partitions);
            } catch (SQLException e) {
                throw new IllegalStateException(
                        "cannot install the outbox schema " + tables.qualifiedTable() + ": "
                                + e.getMessage() + "; grant the privileges, or install it with your migration tool"
                                + " (OutboxSchema.sql(...)) and set jscontract.outbox.initialize-schema.enabled=false",
                        e);
            } catch (IllegalStateException e) {
                throw new IllegalStateException(
                        e.getMessage() + " (jscontract.outbox.initialize-schema.partitions=" + partitions + ")", e);
            }
        }
    }
}
