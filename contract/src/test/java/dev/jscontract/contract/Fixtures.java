package dev.jscontract.contract;

import java.time.Duration;

/** Contracts used across tests. */
final class Fixtures {
    private Fixtures() {}

    /** A contract that passes every lint rule it can be checked against. */
    static ContractBuilder clean() {
        return ConsumerContract.builder().stream("ORDERS")
                .durable("billing")
                .ackWait(Duration.ofSeconds(30))
                .maxDeliver(5)
                .backoff(Backoff.exponential(Duration.ofSeconds(1), 2.0, Duration.ofMinutes(1)))
                .deadLetter(DeadLetterPolicy.toDefaultSubject())
                .maxAckPending(64)
                .concurrency(4)
                .expectedP99(Duration.ofSeconds(2))
                .maxProcessingTime(Duration.ofMinutes(2));
    }

    /** The required stages only. */
    static ContractBuilder minimal() {
        return ConsumerContract.builder().stream("ORDERS")
                .durable("billing")
                .ackWait(Duration.ofSeconds(30))
                .maxDeliver(5)
                .backoff(Backoff.fixed(Duration.ofSeconds(5)))
                .deadLetter(DeadLetterPolicy.toDefaultSubject());
    }
}
