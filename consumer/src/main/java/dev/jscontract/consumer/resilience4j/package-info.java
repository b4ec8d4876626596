/**
 * Resilience4j integration: {@link dev.jscontract.consumer.resilience4j.CircuitBreakerGate} turns a circuit breaker
 * into a {@link dev.jscontract.consumer.ConsumerGate}.
 */
@NullMarked
package dev.jscontract.consumer.resilience4j;

import org.jspecify.annotations.NullMarked;
