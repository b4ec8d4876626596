package dev.jscontract.consumer.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PullPlannerTest {

    @Test
    void withTheDefaultBatchSizeTheWindowIsTheConcurrencyAndEveryFreeThreadGetsOneMessage() {
        PullPlanner p = new PullPlanner(8, 8);
        assertThat(p.window()).isEqualTo(8);
        assertThat(p.minimumPull()).isEqualTo(1);
        assertThat(p.nextPull(0, 0)).isEqualTo(8);
        assertThat(p.nextPull(7, 0)).isEqualTo(1);
        assertThat(p.nextPull(8, 0))
                .as("all threads busy: nothing is asked for, nothing waits in a buffer")
                .isZero();
        assertThat(p.nextPull(5, 3)).isZero();
        assertThat(p.nextPull(3, 2)).isEqualTo(3);
    }

    @Test
    void concurrencyOneAsksForOneMessageOnlyWhenTheHandlerIsFree() {
        PullPlanner p = new PullPlanner(1, 1);
        assertThat(p.nextPull(0, 0)).isEqualTo(1);
        assertThat(p.nextPull(1, 0)).isZero();
        assertThat(p.nextPull(0, 1)).as("a pull is already waiting").isZero();
    }

    @Test
    void aDeclaredBatchLargerThanTheConcurrencyBuffersAndPullsInQuarterBatches() {
        PullPlanner p = new PullPlanner(1, 500);
        assertThat(p.window()).isEqualTo(500);
        assertThat(p.minimumPull()).isEqualTo(125);
        assertThat(p.nextPull(0, 0)).isEqualTo(500);
        assertThat(p.nextPull(376, 0)).as("124 free is below the minimum pull").isZero();
        assertThat(p.nextPull(375, 0)).isEqualTo(125);
    }

    @Test
    void aDeclaredBatchSmallerThanTheConcurrencySplitsTheWindowIntoSeveralPulls() {
        PullPlanner p = new PullPlanner(8, 2);
        assertThat(p.window()).isEqualTo(8);
        assertThat(p.nextPull(0, 0)).isEqualTo(2);
        assertThat(p.nextPull(0, 6)).isEqualTo(2);
        assertThat(p.nextPull(1, 6)).isEqualTo(1);
    }

    @Test
    void anIdleConsumerAlwaysHasAPullWaiting() {
        for (int c = 1; c <= 64; c *= 2) {
            for (int b = 1; b <= 1024; b *= 4) {
                assertThat(new PullPlanner(c, b).nextPull(0, 0))
                        .as("c=%d b=%d", c, b)
                        .isPositive();
            }
        }
    }

    @Test
    void aWindowOverrunByLateMessagesPullsNothing() {
        assertThat(new PullPlanner(4, 4).nextPull(6, 0)).isZero();
    }

    @Test
    void rejectsNonPositiveSizes() {
        assertThatThrownBy(() -> new PullPlanner(0, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("concurrency and batchSize must be at least 1 but were 0 and 1");
    }

    @Test
    void adaptivePrefetchesOneMessagePerThreadWhileHandlersAreFastAndNoneOnceOneIsSlow() {
        AdaptivePrefetch prefetch = new AdaptivePrefetch(8, java.time.Duration.ofSeconds(4));
        PullPlanner p = new PullPlanner(8, prefetch);
        assertThat(p.window()).as("no handler time seen yet: no prefetch").isEqualTo(8);
        for (int i = 0; i < AdaptivePrefetch.WARM_UP; i++) {
            prefetch.handlerFinished(java.time.Duration.ofMillis(1));
        }
        assertThat(p.window()).isEqualTo(16);
        assertThat(p.minimumPull()).isEqualTo(4);
        assertThat(p.nextPull(0, 0)).isEqualTo(16);
        assertThat(p.nextPull(8, 5)).as("3 free is below the minimum pull").isZero();
        assertThat(p.nextPull(8, 4)).isEqualTo(4);

        prefetch.handlerRunning(java.time.Duration.ofMillis(1001)); // above a quarter of the 4 s deadline
        assertThat(p.prefetch()).isZero();
        assertThat(p.window()).isEqualTo(8);
        assertThat(p.minimumPull()).isEqualTo(1);
        assertThat(p.nextPull(8, 0))
                .as("every thread busy: nothing is buffered")
                .isZero();
        assertThat(p.nextPull(7, 0)).isEqualTo(1);
    }
}
