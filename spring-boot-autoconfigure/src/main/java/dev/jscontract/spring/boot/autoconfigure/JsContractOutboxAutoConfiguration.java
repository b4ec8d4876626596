package dev.jscontract.spring.boot.autoconfigure;

import dev.jscontract.outbox.OutboxRelay;
import dev.jscontract.outbox.OutboxSchema;
import dev.jscontract.outbox.OutboxTables;
import dev.jscontract.outbox.OutboxWriter;
import dev.jscontract.outbox.WalSettings;
import dev.jscontract.spring.boot.OutboxRelayCustomizer;
import dev.jscontract.spring.boot.OutboxRelayLifecycle;
import dev.jscontract.spring.boot.TransactionalOutboxWriter;
import io.nats.client.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
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
import org.springframework.util.unit.DataSize;

/**
 * The transactional outbox on the application's {@code DataSource}: the schema installed at start (unless {@code
 * jscontract.outbox.initialize-schema.enabled=false}, e.g. when Flyway or Liquibase owns it), a {@link
 * TransactionalOutboxWriter} that joins the current Spring transaction, and, with {@code
 * jscontract.outbox.relay.enabled=true}, an {@link OutboxRelay} started and closed with the context, adjusted by the
 * application's {@link OutboxRelayCustomizer}s.
 *
 * <p>{@code jscontract.outbox.mode=wal} switches all three to the WAL mode with the {@link WalSettings} from {@code
 * jscontract.outbox.wal.*}: the schema install adds the publication and the emit function ({@link
 * OutboxSchema#installWal}), the writer emits logical decoding messages instead of rows, and the relay streams them
 * from the replication slot.
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

    /**
     * Installs the outbox schema at start (idempotent; safe from several instances at once); in WAL mode with the
     * publication and the emit function.
     */
    @Bean
    @ConditionalOnProperty(prefix = "jscontract.outbox.initialize-schema", name = "enabled", matchIfMissing = true)
    public OutboxSchemaInitializer jscontractOutboxSchemaInitializer(
            DataSource dataSource, OutboxTables tables, JsContractProperties properties) {
        WalSettings wal = walSettings(properties);
        int partitions = properties.getOutbox().getInitializeSchema().getPartitions();
        if (partitions < 1 || partitions > OutboxSchema.MAX_PARTITIONS) {
            throw new InvalidConfigurationPropertyValueException(
                    "jscontract.outbox.initialize-schema.partitions",
                    partitions,
                    "must be 1 to " + OutboxSchema.MAX_PARTITIONS + "; it is fixed at the first install");
        }
        return new OutboxSchemaInitializer(dataSource, tables, partitions, wal);
    }

    /** The writer that joins the current transaction; in WAL mode it emits logical decoding messages. */
    @Bean
    @ConditionalOnMissingBean
    public TransactionalOutboxWriter jscontractOutboxWriter(
            DataSource dataSource,
            OutboxTables tables,
            JsContractProperties properties,
            ListableBeanFactory beanFactory) {
        WalSettings wal = walSettings(properties);
        // created after the schema, so a write in another bean's initialisation finds the table
        beanFactory.getBeanProvider(OutboxSchemaInitializer.class).ifAvailable(i -> {});
        OutboxWriter.Builder b = OutboxWriter.builder().tables(tables);
        if (wal != null) {
            b.wal(wal);
        }
        return new TransactionalOutboxWriter(dataSource, b.build());
    }

    /**
     * The WAL mode's settings from {@code jscontract.outbox.wal.*} when {@code jscontract.outbox.mode=wal}, null in
     * the table mode; writer, relay and schema install each read them here, so they always agree.
     *
     * @throws InvalidConfigurationPropertyValueException when the mode is neither {@code table} nor {@code wal}, or a
     *     WAL setting is out of range; the message names the property
     */
    static @Nullable WalSettings walSettings(JsContractProperties properties) {
        JsContractProperties.Outbox outbox = properties.getOutbox();
        String mode = outbox.getMode();
        String normalized = mode == null ? "" : mode.trim().toLowerCase(Locale.ROOT);
        if (normalized.equals("table")) {
            return null;
        }
        if (!normalized.equals("wal")) {
            throw new InvalidConfigurationPropertyValueException(
                    "jscontract.outbox.mode",
                    mode,
                    "must be table (the default: events as rows of the outbox table) or wal (events in PostgreSQL's"
                            + " write-ahead log, set up under jscontract.outbox.wal.*)");
        }
        JsContractProperties.Wal p = outbox.getWal();
        WalSettings.Builder b = WalSettings.builder();
        walSetting("jscontract.outbox.wal.slot", p.getSlot(), b::slot);
        walSetting("jscontract.outbox.wal.publication", p.getPublication(), b::publication);
        walSetting("jscontract.outbox.wal.prefix", p.getPrefix(), b::prefix);
        walSetting("jscontract.outbox.wal.takeover-interval", p.getTakeoverInterval(), b::takeoverInterval);
        walSetting("jscontract.outbox.wal.status-interval", p.getStatusInterval(), b::statusInterval);
        DataSize retained = p.getRetainedWalWarning();
        walSetting(
                "jscontract.outbox.wal.retained-wal-warning", retained, size -> b.retainedWalWarning(size.toBytes()));
        walSetting("jscontract.outbox.wal.max-in-flight", p.getMaxInFlight(), b::maxInFlight);
        String url = p.getReplicationUrl();
        if (url != null) {
            try {
                b.replicationUrl(url);
            } catch (IllegalArgumentException e) {
                // not the builder's message: it repeats the URL, and a password may follow its '?'
                int q = url.indexOf('?');
                throw new InvalidConfigurationPropertyValueException(
                        "jscontract.outbox.wal.replication-url",
                        q < 0 ? url : url.substring(0, q) + "?...",
                        "must start with jdbc:postgresql:");
            }
        }
        return b.build();
    }

    private static <T> void walSetting(String property, @Nullable T value, Consumer<T> setter) {
        if (value == null) {
            throw new InvalidConfigurationPropertyValueException(property, null, "must be set in WAL mode");
        }
        try {
            setter.accept(value);
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigurationPropertyValueException(property, value, e.getMessage());
        }
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
                ObjectProvider<OutboxRelayCustomizer> customizers,
                ListableBeanFactory beanFactory) {
            WalSettings wal = walSettings(properties);
            beanFactory.getBeanProvider(OutboxSchemaInitializer.class).ifAvailable(i -> {});
            JsContractProperties.Relay relay = properties.getOutbox().getRelay();
            OutboxRelay.Builder b = OutboxRelay.builder()
                    .connection(connection)
                    .dataSource(dataSource)
                    .tables(tables);
            if (wal != null) {
                b.wal(wal);
            }
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
            DataSize walLag = relay.getWalLagThreshold();
            if (walLag == null || walLag.toBytes() <= 0) {
                throw new InvalidConfigurationPropertyValueException(
                        "jscontract.outbox.relay.wal-lag-threshold", walLag, "must be a positive size, e.g. 1GB");
            }
            if (ClassUtils.isPresent(
                    "io.micrometer.core.instrument.MeterRegistry", getClass().getClassLoader())) {
                MicrometerSupport.bindRelay(beanFactory, b);
            }
            List<OutboxRelayCustomizer> applied = customizers.orderedStream().toList();
            for (OutboxRelayCustomizer c : applied) {
                try {
                    c.customize(b);
                } catch (IllegalArgumentException | IllegalStateException e) {
                    throw new IllegalStateException(
                            "OutboxRelayCustomizer " + c.getClass().getName() + " failed: " + e.getMessage()
                                    + " (the starter sets connection, dataSource, tables, and name, streams, wal and"
                                    + " meterRegistry from properties; each may be set once)",
                            e);
                }
            }
            try {
                return new OutboxRelayLifecycle(b.build());
            } catch (IllegalStateException e) {
                if (applied.isEmpty()) {
                    throw e;
                }
                throw new IllegalStateException(
                        "the outbox relay's settings from jscontract.outbox.* and the OutboxRelayCustomizers "
                                + applied.stream()
                                        .map(c -> c.getClass().getName())
                                        .toList()
                                + " do not fit together: " + e.getMessage(),
                        e);
            }
        }
    }

    /**
     * Applies {@link OutboxSchema#install(DataSource, OutboxTables, int)}, or in WAL mode {@link
     * OutboxSchema#installWal(DataSource, OutboxTables, WalSettings)}, when created.
     */
    public static final class OutboxSchemaInitializer implements InitializingBean {
        private final DataSource dataSource;
        private final OutboxTables tables;
        private final int partitions;
        private final @Nullable WalSettings wal;

        OutboxSchemaInitializer(DataSource dataSource, OutboxTables tables, int partitions, @Nullable WalSettings wal) {
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
            this.tables = Objects.requireNonNull(tables, "tables");
            this.partitions = partitions;
            this.wal = wal;
        }

        /**
         * Installs the schema.
         *
         * @throws IllegalStateException when the database refuses, the outbox exists with another partition count, or
         *     in WAL mode the server is older than PostgreSQL 14
         */
        @Override
        public void afterPropertiesSet() {
            try {
                if (wal != null) {
                    // the partition count is the installed one (16 on a new database): the WAL relay does not use it
                    OutboxSchema.installWal(dataSource, tables, wal);
                } else {
                    OutboxSchema.install(dataSource, tables, partitions);
                }
            } catch (SQLException e) {
                throw new IllegalStateException(
                        "cannot install the outbox schema " + tables.qualifiedTable()
                                + (wal != null ? " for WAL mode (publication " + wal.getPublication() + ")" : "")
                                + ": " + e.getMessage() + "; grant the privileges, or install it with your migration"
                                + " tool (OutboxSchema." + (wal != null ? "sql(...) and walSql(...)" : "sql(...)")
                                + ") and set jscontract.outbox.initialize-schema.enabled=false",
                        e);
            } catch (IllegalStateException e) {
                throw new IllegalStateException(
                        e.getMessage()
                                + (wal != null
                                        ? " (jscontract.outbox.mode=wal)"
                                        : " (jscontract.outbox.initialize-schema.partitions=" + partitions + ")"),
                        e);
            }
        }
    }
}
