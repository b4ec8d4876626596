package dev.jscontract.consumer.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class AdaptivePrefetchTest {
    private final AdaptivePrefetch prefetch = new AdaptivePrefetch(4, Duration.ofSeconds(3));

    @Test
    void fastHandlersKeepOneMessagePerThreadBuffered() {
        for (int i = 0; i < 1000; i++) {
            prefetch.handlerFinished(Duration.ofMillis(1));
        }
        assertThat(prefetch.budget()).isEqualTo(Duration.ofMillis(750));
        assertThat(prefetch.prefetch()).isEqualTo(4);
        assertThat(prefetch.mayHaveWaited()).isFalse();
    }

    @Test
    void aConsumerStartsWithoutPrefetchUntilItHasSeenItsHandlers() {
        for (int i = 1; i < AdaptivePrefetch.WARM_UP; i++) {
            prefetch.handlerFinished(Duration.ofMillis(1));
        }
        assertThat(prefetch.prefetch()).isZero();
        prefetch.handlerFinished(Duration.ofMillis(1));
        assertThat(prefetch.prefetch()).isEqualTo(4);
    }

    @Test
    void oneSlowRunStopsThePrefetchAtOnce() {
        warmUp();
        prefetch.handlerFinished(Duration.ofMillis(751));
        assertThat(prefetch.prefetch()).isZero();
        assertThat(prefetch.mayHaveWaited())
                .as("messages taken now may have waited behind it")
                .isTrue();
    }

    @Test
    void aHandlerStillRunningPastTheBudgetStopsThePrefetchBeforeItReturns() {
        warmUp();
        prefetch.handlerRunning(Duration.ofMillis(500));
        assertThat(prefetch.prefetch()).isEqualTo(4);
        prefetch.handlerRunning(Duration.ofMillis(800));
        assertThat(prefetch.prefetch()).isZero();
        assertThat(prefetch.estimate()).isEqualTo(Duration.ofMillis(800));
    }

    private void warmUp() {
        for (int i = 0; i < AdaptivePrefetch.WARM_UP; i++) {
            prefetch.handlerFinished(Duration.ofMillis(1));
        }
    }

    @Test
    void theEstimateDecaysWhenHandlersAreFastAgain() {
        prefetch.handlerFinished(Duration.ofSeconds(2));
        int runs = 0;
        while (prefetch.prefetch() == 0) {
            prefetch.handlerFinished(Duration.ofMillis(1));
            runs++;
        }
        // 2 s to 750 ms at 1 % per run: ln(0.375) / ln(0.99) = 97.6
        assertThat(runs).isEqualTo(98);
        assertThat(prefetch.mayHaveWaited()).isFalse();
    }

    @Test
    void shorterRunsNeverRaiseTheEstimate() {
        prefetch.handlerFinished(Duration.ofMillis(100));
        prefetch.handlerFinished(Duration.ofMillis(50));
        assertThat(prefetch.estimate()).isEqualTo(Duration.ofNanos((long) (100_000_000 * AdaptivePrefetch.DECAY)));
    }

    @Test
    void maxAckPendingCanLeaveNoRoomToPrefetch() {
        AdaptivePrefetch none = new AdaptivePrefetch(0, Duration.ofSeconds(3));
        assertThat(none.prefetch()).isZero();
        assertThatThrownBy(() -> new AdaptivePrefetch(-1, Duration.ofSeconds(3)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxPrefetch must not be negative but was -1");
    }
}
