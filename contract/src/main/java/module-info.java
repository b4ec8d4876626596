/**
 * The contract: {@code ConsumerContract}, its rendering per server version, provisioning, the linter and the
 * dead-letter envelope format. {@code dev.jscontract.contract.internal} is shared with the toolkit's own modules
 * only.
 */
module dev.jscontract.contract {
    requires transitive io.nats.jnats;
    requires com.fasterxml.jackson.databind;
    requires org.slf4j;
    requires static transitive org.jspecify;

    exports dev.jscontract.contract;
    exports dev.jscontract.contract.internal to
            dev.jscontract.consumer,
            dev.jscontract.outbox,
            dev.jscontract.cli;

    // ContractJson binds contract files to the DTOs in internal
    opens dev.jscontract.contract.internal to
            com.fasterxml.jackson.databind;
}
