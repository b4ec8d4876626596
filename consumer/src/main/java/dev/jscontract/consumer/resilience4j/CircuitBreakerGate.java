package dev.jscontract.consumer.resilience4j;

import dev.jscontract.consumer.ConsumerGate;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A {@link ConsumerGate} over a Resilience4j {@link CircuitBreaker}: handler outcomes feed the breaker (retryable
 * failures and processing timeouts as errors, successes as successes; permanent failures and poison payloads only
 * release their permission, since they say nothing about the downstream), and while the breaker is {@code OPEN} or
 * {@code FORCED_OPEN} the consumer pulls nothing and holds what it has, heartbeating it, so an outage does not burn
 * {@code maxDeliver} and flood the dead-letter stream. A message whose attempt fails while the breaker is open or
 * half-open ({@link #isDownstreamFailing()}) is held too and retried in process when the breaker lets a call through,
 * so half-open probes spend no deliveries either.
 *
 * <p>Resilience4j moves an open breaker to half-open lazily, when permission is asked after its wait duration; {@link
 * #allowsPulling()} asks (and gives the permission back), so pulling resumes without a handler call. The breaker's
 * own configuration decides everything else (window, thresholds, which exceptions count). The breaker is the
 * caller's; nothing here changes its configuration.
 *
 * <pre>{@code
 * CircuitBreaker breaker = CircuitBreaker.of("billing-db", CircuitBreakerConfig.custom()
 *     .failureRateThreshold(50).minimumNumberOfCalls(10).waitDurationInOpenState(Duration.ofSeconds(30)).build());
 * ContractConsumer.builder(connection, contract).handler(handler).gate(CircuitBreakerGate.of(breaker)).build();
 * }</pre>
 *
 * <p>Thread-safe (the breaker is). The breaker and its registry stay the caller's; one breaker may guard several
 * consumers that call the same downstream.
 */
public final class CircuitBreakerGate implements ConsumerGate {
    private final CircuitBreaker breaker;

    private CircuitBreakerGate(CircuitBreaker breaker) {
        this.breaker = breaker;
    }

    /** A gate over {@code breaker}. */
    public static CircuitBreakerGate of(CircuitBreaker breaker) {
        return new CircuitBreakerGate(Objects.requireNonNull(breaker, "breaker"));
    }

    /** The breaker. */
    public CircuitBreaker getCircuitBreaker() {
        return breaker;
    }

    @Override
    public boolean allowsPulling() {
        CircuitBreaker.State state = breaker.getState();
        if (state == CircuitBreaker.State.FORCED_OPEN) {
            return false;
        }
        if (state == CircuitBreaker.State.OPEN) {
            // lets an expired open state move to half-open; the permission is not used for a call
            if (breaker.tryAcquirePermission()) {
                breaker.releasePermission();
                return true;
            }
            return false;
        }
        return true;
    }

    @Override
    public boolean tryAcquire() {
        return breaker.tryAcquirePermission();
    }

    @Override
    public void onSuccess(Duration duration) {
        breaker.onSuccess(duration.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public void onFailure(Duration duration, Throwable failure) {
        breaker.onError(duration.toNanos(), TimeUnit.NANOSECONDS, failure);
    }

    @Override
    public void release() {
        breaker.releasePermission();
    }

    /** Open, half-open or forced open: a failure now is the downstream's, so the message is held, not NAKed. */
    @Override
    public boolean isDownstreamFailing() {
        CircuitBreaker.State state = breaker.getState();
        return state == CircuitBreaker.State.OPEN
                || state == CircuitBreaker.State.HALF_OPEN
                || state == CircuitBreaker.State.FORCED_OPEN;
    }

    @Override
    public String toString() {
        return "CircuitBreakerGate{" + breaker.getName() + ", " + breaker.getState() + "}";
    }
}
