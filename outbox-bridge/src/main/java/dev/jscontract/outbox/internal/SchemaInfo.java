package dev.jscontract.outbox.internal;

import dev.jscontract.outbox.OutboxTables;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * What the relay reads from the installed schema at start: the partition count and install id from the metadata
 * table, and the oids that name its advisory locks (outbox oid: partition locks, and in the high half of the 64-bit
 * key the idle locks the wake-up trigger probes; parked-table oid: member locks).
 */
public record SchemaInfo(
        int partitions,
        String installId,
        int partitionLockSpace,
        int memberLockSpace,
        boolean commitTimestamps,
        boolean autovacuum,
        int schemaVersion) {

    /**
     * Reads the schema.
     *
     * @throws IllegalStateException when the outbox is not installed or has another schema version, with the fix
     * @throws SQLException when the database fails
     */
    public static SchemaInfo load(Connection c, OutboxTables tables) throws SQLException {
        try (PreparedStatement st =
                c.prepareStatement("SELECT to_regclass(?)::oid::bigint, to_regclass(?)::oid::bigint,"
                        + " to_regclass(?)::oid::bigint, current_setting('track_commit_timestamp') = 'on',"
                        + " current_setting('autovacuum') = 'on' AND coalesce((SELECT NOT ('autovacuum_enabled=false' ="
                        + " ANY(c.reloptions)) FROM pg_class c WHERE c.oid = to_regclass(?)), true)")) {
            st.setString(1, tables.qualifiedTable());
            st.setString(2, tables.qualifiedParkedTable());
            st.setString(3, tables.qualifiedMetaTable());
            st.setString(4, tables.qualifiedTable());
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                long outbox = rs.getLong(1);
                boolean outboxMissing = rs.wasNull();
                long parked = rs.getLong(2);
                boolean parkedMissing = rs.wasNull();
                rs.getLong(3);
                boolean metaMissing = rs.wasNull();
                boolean commitTs = rs.getBoolean(4);
                boolean autovacuum = rs.getBoolean(5);
                if (outboxMissing || parkedMissing || metaMissing) {
                    throw new IllegalStateException("the outbox schema is not installed: "
                            + (outboxMissing ? tables.qualifiedTable() + " " : "")
                            + (parkedMissing ? tables.qualifiedParkedTable() + " " : "")
                            + (metaMissing ? tables.qualifiedMetaTable() + " " : "")
                            + "missing in database " + c.getCatalog() + ". Run OutboxSchema.install(dataSource) (with"
                            + " the same OutboxTables), or apply OutboxSchema.sql(tables, partitions) with your"
                            + " migration tool");
                }
                try (Statement meta = c.createStatement();
                        ResultSet m = meta.executeQuery(
                                "SELECT schema_version, partitions, install_id FROM " + tables.qualifiedMetaTable())) {
                    if (!m.next()) {
                        throw new IllegalStateException(tables.qualifiedMetaTable() + " is empty; run"
                                + " OutboxSchema.install(dataSource) again to restore its row");
                    }
                    int version = m.getInt(1);
                    if (version < SchemaTemplate.OLDEST_SUPPORTED || version > SchemaTemplate.VERSION) {
                        throw new IllegalStateException(tables.qualifiedMetaTable() + " has schema_version " + version
                                + " but this relay runs on versions " + SchemaTemplate.OLDEST_SUPPORTED + " to "
                                + SchemaTemplate.VERSION
                                + "; use the jscontract-outbox-bridge release that matches the schema");
                    }
                    return new SchemaInfo(
                            m.getInt(2), m.getString(3), (int) outbox, (int) parked, commitTs, autovacuum, version);
                }
            }
        }
    }

    /**
     * The 64-bit advisory-lock key a sleeping relay holds for a partition and the wake-up trigger probes ({@code
     * <outbox oid> << 32 | partition}, see {@code schema.sql}).
     */
    public long idleLockKey(int partition) {
        return (Integer.toUnsignedLong(partitionLockSpace) << 32) | partition;
    }

    /** The prefix of derived message ids: {@code <table>:<install id>:}. */
    public String messageIdPrefix(OutboxTables tables) {
        return tables.getTable() + ":" + installId + ":";
    }
}
