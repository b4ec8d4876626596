package dev.jscontract.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.PostgresDatabase;
import dev.jscontract.testing.WithNatsServer;
import dev.jscontract.testing.WithPostgres;
import io.nats.client.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What the {@code jscontract outbox} commands read through {@link OutboxAdmin}: partition owners from the relays'
 * advisory locks in {@code pg_locks}, the transactions that hold back the xmin horizon, and one parked row by id.
 */
@WithNatsServer
@WithPostgres
class OutboxAdminIT {

    @Test
    void ownersAreTheRelaysControlSessionsAndUnownedPartitionsHaveNoOwner(NatsServer server, PostgresDatabase db)
            throws Exception {
        OutboxTables tables = OutboxTesting.tables("owners");
        OutboxSchema.install(db.dataSource(), tables, 4);
        OutboxAdmin admin = OutboxAdmin.create(db.dataSource(), tables);
        assertThat(admin.owners())
                .hasSize(4)
                .allSatisfy(o -> assertThat(o.getPid()).isEmpty())
                .extracting(PartitionOwner::getPartition)
                .containsExactly(0, 1, 2, 3);
        try (Connection nc = server.connect();
                OutboxRelay relay = OutboxRelay.builder()
                        .connection(nc)
                        .dataSource(db.dataSource())
                        .tables(tables)
                        .name("relay-a")
                        .build()) {
            relay.start();
            OutboxTesting.awaitChecked(
                    Duration.ofSeconds(15), "relay-a owns every partition", () -> admin.owners().stream()
                            .allMatch(o -> o.getPid().isPresent()));
            List<PartitionOwner> owners = admin.owners();
            assertThat(owners)
                    .extracting(o -> o.getPid().getAsInt())
                    .containsOnly(owners.get(0).getPid().getAsInt());
            assertThat(owners.get(0).getApplicationName()).isEqualTo("jscontract-outbox relay-a control");
            assertThat(owners.get(0).getSince()).isNotNull();
        }
        OutboxTesting.awaitChecked(
                Duration.ofSeconds(15), "the locks are gone with the relay", () -> admin.owners().stream()
                        .noneMatch(o -> o.getPid().isPresent()));
    }

    @Test
    void anOpenTransactionIsAnXminBlockerAndUnknownParkedIdsAreEmpty(PostgresDatabase db) throws Exception {
        OutboxTables tables = OutboxTesting.tables("blockers");
        OutboxSchema.install(db.dataSource(), tables, 2);
        OutboxAdmin admin = OutboxAdmin.create(db.dataSource(), tables);
        try (java.sql.Connection holder = db.connection()) {
            holder.setAutoCommit(false);
            int pid;
            try (Statement st = holder.createStatement();
                    ResultSet rs = st.executeQuery("SELECT pg_backend_pid(), txid_current()")) {
                rs.next();
                pid = rs.getInt(1);
            }
            assertThat(admin.xminBlockers(10)).anySatisfy(b -> {
                assertThat(b.getPid()).isEqualTo(pid);
                assertThat(b.getAge().isNegative()).isFalse();
            });
            holder.rollback();
        }
        assertThat(admin.parkedRow(42)).isEmpty();
    }
}
