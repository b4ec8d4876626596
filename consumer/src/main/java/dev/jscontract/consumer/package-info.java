/**
 * Runs a durable JetStream pull consumer under a {@link dev.jscontract.contract.ConsumerContract}: provisioning with
 * drift refusal, capacity-bounded pulls, heartbeats while a handler runs, backoff retries with {@code nakWithDelay},
 * dead-lettering (copy before terminate) and a sweeper for messages whose every delivery timed out, a circuit
 * breaker gate, a dead-letter rate guard, typed events and metrics.
 *
 * <p>Entry point: {@link dev.jscontract.consumer.ContractConsumer#builder(io.nats.client.Connection,
 * dev.jscontract.contract.ConsumerContract)}. Integrations live in their own packages: {@code
 * dev.jscontract.consumer.micrometer} (meters), {@code dev.jscontract.consumer.resilience4j} (circuit breaker) and
 * {@code dev.jscontract.consumer.inbox} (a JDBC inbox for effectively-once side effects). Everything in {@code
 * dev.jscontract.consumer.internal} is implementation and may change without notice.
 */
@NullMarked
package dev.jscontract.consumer;

import org.jspecify.annotations.NullMarked;
