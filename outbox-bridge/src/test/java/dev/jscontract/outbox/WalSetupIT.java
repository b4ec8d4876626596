package dev.jscontract.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.PrivatePostgres;
import dev.jscontract.testing.WithNatsServer;
import dev.jscontract.testing.WithPrivatePostgres;
import io.nats.client.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/**
 * A relay switched to WAL mode on a server without logical decoding refuses to start and says what to change. The
 * test's own PostgreSQL is set to {@code wal_level=replica} (PostgreSQL's default) and restarted, so the test runs
 * whatever the machine's shared server is configured with.
 */
@WithNatsServer
@WithPrivatePostgres
class WalSetupIT {

    @Test
    void refusesToStartWithoutWalLevelLogical(NatsServer server, PrivatePostgres pg) throws Exception {
        try (java.sql.Connection c = pg.dataSource().getConnection();
                Statement st = c.createStatement()) {
            st.execute("ALTER SYSTEM SET wal_level = replica");
        }
        pg.restart();
        try (java.sql.Connection c = pg.dataSource().getConnection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SHOW wal_level")) {
            rs.next();
            assertThat(rs.getString(1)).as("the server under test").isEqualTo("replica");
        }
        OutboxTables tables = OutboxTesting.tables("walsetup");
        WalSettings wal = WalSettings.builder().slot(tables.getTable()).build();
        OutboxSchema.install(pg.dataSource(), tables, 4);
        try (Connection nc = server.connect();
                OutboxRelay relay = OutboxRelay.builder()
                        .connection(nc)
                        .dataSource(pg.dataSource())
                        .tables(tables)
                        .wal(wal)
                        .build()) {
            assertThatThrownBy(relay::start)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("the outbox's WAL mode needs wal_level=logical but the server runs with"
                            + " wal_level=replica; set wal_level = logical in postgresql.conf");
            assertThat(relay.isRunning()).isFalse();
        }
    }
}
