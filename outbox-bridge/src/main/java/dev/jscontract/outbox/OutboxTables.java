package dev.jscontract.outbox;

import dev.jscontract.contract.internal.Checks;
import dev.jscontract.outbox.internal.SqlIdentifiers;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The names of the outbox's database objects: the outbox table, the parked-rows table, and the names derived from
 * the outbox table (the metadata table {@code <table>_meta}, the notification channel {@code <table>_wakeup}, index
 * and trigger names). Writer, relay, schema and admin must be given the same value.
 *
 * <p>Names are unquoted SQL identifiers (lowercase letters, digits, {@code _}); the table name is at most 40
 * characters so that derived names fit PostgreSQL's 63-byte limit. Without a schema, names resolve through the
 * connection's {@code search_path}.
 *
 * <pre>{@code
 * OutboxTables tables = OutboxTables.builder().schema("billing").table("invoice_outbox").build();
 * // billing.invoice_outbox, billing.invoice_outbox_parked, billing.invoice_outbox_meta
 * }</pre>
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class OutboxTables {
    /** The default outbox table name. */
    public static final String DEFAULT_TABLE = "outbox";

    private static final OutboxTables DEFAULTS = new OutboxTables(null, DEFAULT_TABLE, DEFAULT_TABLE + "_parked");

    private final @Nullable String schema;
    private final String table;
    private final String parkedTable;

    private OutboxTables(@Nullable String schema, String table, String parkedTable) {
        this.schema = schema;
        this.table = table;
        this.parkedTable = parkedTable;
    }

    /** {@code outbox} and {@code outbox_parked} on the connection's search path. */
    public static OutboxTables defaults() {
        return DEFAULTS;
    }

    /** A builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this instance's values; each may still be set once. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.schema = schema;
        b.table = table;
        b.parkedTable = parkedTable;
        return b;
    }

    /** The schema, or {@code null} to resolve through the search path. */
    public @Nullable String getSchema() {
        return schema;
    }

    /** The outbox table's unqualified name. */
    public String getTable() {
        return table;
    }

    /** The parked-rows table's unqualified name (default {@code <table>_parked}). */
    public String getParkedTable() {
        return parkedTable;
    }

    /** The outbox table as used in SQL: {@code schema.table} or {@code table}. */
    public String qualifiedTable() {
        return qualify(table);
    }

    /** The parked-rows table as used in SQL. */
    public String qualifiedParkedTable() {
        return qualify(parkedTable);
    }

    /** The metadata table as used in SQL: {@code <table>_meta}, in the same schema. */
    public String qualifiedMetaTable() {
        return qualify(table + "_meta");
    }

    /** The LISTEN/NOTIFY channel: {@code [<schema>_]<table>_wakeup}. */
    public String notifyChannel() {
        return (schema == null ? "" : schema + "_") + table + "_wakeup";
    }

    private String qualify(String name) {
        return schema == null ? name : schema + "." + name;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof OutboxTables)) {
            return false;
        }
        OutboxTables that = (OutboxTables) o;
        return Objects.equals(schema, that.schema) && table.equals(that.table) && parkedTable.equals(that.parkedTable);
    }

    @Override
    public int hashCode() {
        return Objects.hash(schema, table, parkedTable);
    }

    @Override
    public String toString() {
        return "OutboxTables{outbox=" + qualifiedTable() + ", parked=" + qualifiedParkedTable() + ", meta="
                + qualifiedMetaTable() + ", channel=" + notifyChannel() + "}";
    }

    /** Builds {@link OutboxTables}; each option may be set once. */
    public static final class Builder {
        private @Nullable String schema;
        private boolean schemaSet;
        private String table = DEFAULT_TABLE;
        private boolean tableSet;
        private @Nullable String parkedTable;
        private boolean parkedSet;

        private Builder() {}

        /**
         * The schema of all outbox objects.
         *
         * @throws IllegalArgumentException when not an unquoted SQL identifier of at most 20 characters
         * @throws IllegalStateException when set twice
         */
        public Builder schema(String schema) {
            Checks.once(schemaSet, "schema", this.schema);
            this.schema = SqlIdentifiers.identifier(schema, "schema", 20);
            schemaSet = true;
            return this;
        }

        /**
         * The outbox table's name (default {@value OutboxTables#DEFAULT_TABLE}).
         *
         * @throws IllegalArgumentException when not an unquoted SQL identifier of at most 40 characters
         * @throws IllegalStateException when set twice
         */
        public Builder table(String table) {
            Checks.once(tableSet, "table", this.table);
            this.table = SqlIdentifiers.identifier(table, "table", SqlIdentifiers.MAX_TABLE_NAME);
            tableSet = true;
            return this;
        }

        /**
         * The parked-rows table's name (default {@code <table>_parked}).
         *
         * @throws IllegalArgumentException when not an unquoted SQL identifier of at most 63 characters
         * @throws IllegalStateException when set twice
         */
        public Builder parkedTable(String parkedTable) {
            Checks.once(parkedSet, "parkedTable", this.parkedTable);
            this.parkedTable = SqlIdentifiers.identifier(parkedTable, "parkedTable", 63);
            parkedSet = true;
            return this;
        }

        /**
         * The names.
         *
         * @throws IllegalStateException when the parked table's name equals the outbox table's or its metadata
         *     table's
         */
        public OutboxTables build() {
            String parked = parkedTable != null ? parkedTable : table + "_parked";
            if (parked.equals(table) || parked.equals(table + "_meta")) {
                throw new IllegalStateException("parkedTable must differ from the outbox table '" + table
                        + "' and its metadata table '" + table + "_meta' but was '" + parked + "'");
            }
            return new OutboxTables(schema, table, parked);
        }
    }
}
