package dev.jscontract.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.PostgresDatabase;
import dev.jscontract.testing.WithNatsServer;
import dev.jscontract.testing.WithPostgres;
import io.nats.client.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A relay switched to WAL mode on a server without logical decoding (the machine's shared PostgreSQL, which runs with
 * {@code wal_level=replica} and is never reconfigured by tests) refuses to start and says what to change.
 */
@WithNatsServer
@WithPostgres
class WalSetupIT {

    @Test
    void refusesToStartWithoutWalLevelLogical(NatsServer server, PostgresDatabase db) throws Exception {
        try (java.sql.Connection c = db.dataSource().getConnection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SHOW wal_level")) {
            rs.next();
            Assumptions.assumeFalse(
                    "logical".equals(rs.getString(1)), "the shared server already runs with wal_level=logical");
        }
        OutboxTables tables = OutboxTesting.tables("walsetup");
        WalSettings wal = WalSettings.builder().slot(tables.getTable()).build();
        OutboxSchema.install(db.dataSource(), tables, 4);
        try (Connection nc = server.connect();
                OutboxRelay relay = OutboxRelay.builder()
                        .connection(nc)
                        .dataSource(db.dataSource())
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
