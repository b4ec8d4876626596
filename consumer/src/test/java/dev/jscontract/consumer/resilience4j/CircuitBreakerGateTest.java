package dev.jscontract.consumer.resilience4j;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class CircuitBreakerGateTest {
    private final CircuitBreaker breaker = CircuitBreaker.of(
            "downstream",
            CircuitBreakerConfig.custom()
                    .slidingWindowSize(2)
                    .minimumNumberOfCalls(2)
                    .failureRateThreshold(50)
                    .waitDurationInOpenState(Duration.ofMillis(200))
                    .permittedNumberOfCallsInHalfOpenState(1)
                    .build());
    private final CircuitBreakerGate gate = CircuitBreakerGate.of(breaker);

    private void fail() {
        assertThat(gate.tryAcquire()).isTrue();
        gate.onFailure(Duration.ofMillis(5), new IllegalStateException("down"));
    }

    @Test
    void retryableFailuresOpenTheBreakerWhichStopsPullingAndHoldsMessages() {
        assertThat(gate.allowsPulling()).isTrue();
        fail();
        fail();
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(gate.allowsPulling()).isFalse();
        assertThat(gate.tryAcquire()).isFalse();
    }

    @Test
    void afterTheWaitPullingResumesHalfOpenAndASuccessClosesIt() throws Exception {
        fail();
        fail();
        Thread.sleep(300);
        assertThat(gate.allowsPulling())
                .as("asks and gives the permission back")
                .isTrue();
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
        assertThat(gate.tryAcquire()).isTrue();
        assertThat(gate.tryAcquire()).as("one call permitted half-open").isFalse();
        gate.onSuccess(Duration.ofMillis(3));
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    @Test
    void releasedPermissionsDoNotCountAsCalls() {
        for (int i = 0; i < 5; i++) {
            assertThat(gate.tryAcquire()).isTrue();
            gate.release();
        }
        assertThat(breaker.getMetrics().getNumberOfBufferedCalls()).isZero();
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    @Test
    void forcedOpenStopsPulling() {
        breaker.transitionToForcedOpenState();
        assertThat(gate.allowsPulling()).isFalse();
    }
}
