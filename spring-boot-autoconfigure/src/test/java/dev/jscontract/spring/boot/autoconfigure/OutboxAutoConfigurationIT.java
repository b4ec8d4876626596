package dev.jscontract.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.outbox.OutboxTables;
import dev.jscontract.spring.boot.OutboxRelayLifecycle;
import dev.jscontract.spring.boot.TransactionalOutboxWriter;
import dev.jscontract.testing.PostgresDatabase;
import dev.jscontract.testing.WithPostgres;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.jdbc.core.JdbcTemplate;

/** The outbox's conditions and properties against a real PostgreSQL database (one per class). */
@WithPostgres
class OutboxAutoConfigurationIT {
    private static PostgresDatabase db;

    @BeforeAll
    static void setUp(PostgresDatabase database) {
        db = database;
    }

    private ApplicationContextRunner runner() {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(JsContractOutboxAutoConfiguration.class))
                .withBean(DataSource.class, () -> db.dataSource());
    }

    private static boolean tableExists(String name) {
        Boolean exists = new JdbcTemplate(db.dataSource())
                .queryForObject("select to_regclass(?) is not null", Boolean.class, name);
        return Boolean.TRUE.equals(exists);
    }

    private static boolean functionExists(String name) {
        Boolean exists = new JdbcTemplate(db.dataSource())
                .queryForObject("select exists (select 1 from pg_proc where proname = ?)", Boolean.class, name);
        return Boolean.TRUE.equals(exists);
    }

    private static String stackTrace(Throwable t) {
        java.io.StringWriter out = new java.io.StringWriter();
        t.printStackTrace(new java.io.PrintWriter(out));
        return out.toString();
    }

    @Test
    void installsTheSchemaAndOffersTheWriterWithoutARelayByDefault() {
        runner().withPropertyValues("jscontract.outbox.table=shop_outbox").run(context -> {
            assertThat(context).hasSingleBean(TransactionalOutboxWriter.class);
            assertThat(context).doesNotHaveBean(OutboxRelayLifecycle.class);
            assertThat(context.getBean(OutboxTables.class).getTable()).isEqualTo("shop_outbox");
            assertThat(tableExists("shop_outbox")).isTrue();
            assertThat(tableExists("shop_outbox_parked")).isTrue();
        });
    }

    @Test
    void leavesTheSchemaToAMigrationToolWhenToldTo() {
        runner().withPropertyValues(
                        "jscontract.outbox.table=migrated_outbox", "jscontract.outbox.initialize-schema.enabled=false")
                .run(context -> {
                    assertThat(context).hasSingleBean(TransactionalOutboxWriter.class);
                    assertThat(tableExists("migrated_outbox")).isFalse();
                });
    }

    @Test
    void backsOffWithoutADataSourceOrWhenDisabled() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(JsContractOutboxAutoConfiguration.class))
                .run(context -> assertThat(context).doesNotHaveBean(TransactionalOutboxWriter.class));
        runner().withPropertyValues("jscontract.outbox.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean(TransactionalOutboxWriter.class));
    }

    @Test
    void aBadTableNameNamesTheProperty() {
        runner().withPropertyValues("jscontract.outbox.table=bad name;drop").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure())
                    .hasRootCauseInstanceOf(InvalidConfigurationPropertyValueException.class)
                    .hasStackTraceContaining("jscontract.outbox.table");
        });
    }

    @Test
    void aBadPartitionCountNamesTheProperty() {
        runner().withPropertyValues("jscontract.outbox.initialize-schema.partitions=0")
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure())
                            .hasRootCauseInstanceOf(InvalidConfigurationPropertyValueException.class)
                            .hasStackTraceContaining("jscontract.outbox.initialize-schema.partitions")
                            .hasStackTraceContaining("must be 1 to 1024");
                });
    }

    @Test
    void tableModeIsTheDefault() {
        runner().withPropertyValues("jscontract.outbox.table=plain_outbox").run(context -> {
            assertThat(context.getBean(TransactionalOutboxWriter.class)
                            .getWriter()
                            .getWal())
                    .isNull();
            assertThat(functionExists("plain_outbox_emit"))
                    .as("no WAL emit function")
                    .isFalse();
        });
    }

    @Test
    void anUnknownModeNamesTheProperty() {
        runner().withPropertyValues("jscontract.outbox.mode=logical").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure())
                    .hasRootCauseInstanceOf(InvalidConfigurationPropertyValueException.class)
                    .rootCause()
                    .hasMessageContaining("jscontract.outbox.mode")
                    .hasMessageContaining("'logical'")
                    .hasMessageContaining("must be table")
                    .hasMessageContaining("or wal");
        });
    }

    @Test
    void aBadWalSettingNamesTheProperty() {
        runner().withPropertyValues("jscontract.outbox.mode=wal", "jscontract.outbox.wal.slot=Orders-Slot")
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure())
                            .hasRootCauseInstanceOf(InvalidConfigurationPropertyValueException.class)
                            .rootCause()
                            .hasMessageContaining("jscontract.outbox.wal.slot")
                            .hasMessageContaining("lower-case letters, digits or underscores");
                });
        runner().withPropertyValues("jscontract.outbox.mode=wal", "jscontract.outbox.wal.max-in-flight=0")
                .run(context -> assertThat(context.getStartupFailure())
                        .rootCause()
                        .hasMessageContaining("jscontract.outbox.wal.max-in-flight"));
        runner().withPropertyValues("jscontract.outbox.mode=wal", "jscontract.outbox.wal.takeover-interval=10ms")
                .run(context -> assertThat(context.getStartupFailure())
                        .rootCause()
                        .hasMessageContaining("jscontract.outbox.wal.takeover-interval"));
    }

    @Test
    void aBadReplicationUrlIsNamedWithoutItsPassword() {
        runner().withPropertyValues(
                        "jscontract.outbox.mode=wal",
                        "jscontract.outbox.wal.replication-url=postgresql://db/app?user=relay&password=s3cret")
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure())
                            .rootCause()
                            .hasMessageContaining("jscontract.outbox.wal.replication-url")
                            .hasMessageContaining("must start with jdbc:postgresql:");
                    assertThat(context.getStartupFailure()).hasStackTraceContaining("postgresql://db/app");
                    assertThat(stackTrace(context.getStartupFailure())).doesNotContain("s3cret");
                });
    }

    @Test
    void aPartitionCountThatDiffersFromTheInstalledOneFailsTheStart() {
        runner().withPropertyValues("jscontract.outbox.table=fixed_outbox")
                .run(context -> assertThat(context).hasNotFailed());
        runner().withPropertyValues(
                        "jscontract.outbox.table=fixed_outbox", "jscontract.outbox.initialize-schema.partitions=8")
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure())
                            .hasStackTraceContaining("jscontract.outbox.initialize-schema.partitions=8");
                });
    }
}
