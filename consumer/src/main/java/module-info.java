/**
 * Runs durable JetStream pull consumers under a contract. Micrometer and Resilience4j are optional ({@code requires
 * static}): only the adapter packages use them. {@code dev.jscontract.consumer.internal} is not exported.
 */
module dev.jscontract.consumer {
    requires transitive dev.jscontract.contract;
    requires transitive io.nats.jnats;
    requires transitive com.fasterxml.jackson.databind;
    requires transitive java.sql;
    requires org.slf4j;
    requires static transitive micrometer.core;
    requires static transitive io.github.resilience4j.circuitbreaker;
    requires static transitive org.jspecify;

    exports dev.jscontract.consumer;
    exports dev.jscontract.consumer.inbox;
    exports dev.jscontract.consumer.micrometer;
    exports dev.jscontract.consumer.resilience4j;
}
