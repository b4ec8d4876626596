/**
 * Runs a durable JetStream pull consumer under a {@link dev.jscontract.contract.ConsumerContract}: provisioning with
 * drift refusal, capacity-bounded pulls, heartbeats while a handler runs, backoff retries with {@code nakWithDelay},
 * dead-lettering (copy before terminate) and a sweeper for messages whose every delivery timed out, a circuit
 * breaker gate, a dead-letter rate guard, typed events and metrics.
 *
 * <p>Entry point: {@link dev.jscontract.consumer.ContractConsumer#builder(io.nats.client.Connection,
 * dev.jscontract.contract.ConsumerContract)}. The core speaks only its own seams, {@link
 * dev.jscontract.consumer.ConsumerGate} and {@link dev.jscontract.consumer.ConsumerMetrics}; integrations live in their
 * own packages and their libraries are optional dependencies: {@code dev.jscontract.consumer.micrometer} (meters; add
 * micrometer-core), {@code dev.jscontract.consumer.resilience4j} (circuit breaker; add resilience4j-circuitbreaker) and
 * {@code dev.jscontract.consumer.inbox} (a JDBC inbox for effectively-once side effects). Everything in {@code
 * dev.jscontract.consumer.internal} is implementation and may change without notice.
 */
@NullMarked
package dev.jscontract.consumer;

import org.jspecify.annotations.NullMarked;
