/**
 * The transactional outbox for PostgreSQL: {@code OutboxWriter}, {@code OutboxRelay}, the schema and {@code
 * OutboxAdmin}. {@code dev.jscontract.outbox.internal} is not exported.
 */
module dev.jscontract.outbox {
    requires transitive dev.jscontract.contract;
    requires transitive io.nats.jnats;
    requires transitive java.sql;
    requires transitive micrometer.core;
    requires transitive com.fasterxml.jackson.databind;
    requires org.postgresql.jdbc;
    requires org.slf4j;
    requires static transitive org.jspecify;

    exports dev.jscontract.outbox;
}
