package dev.jscontract.consumer.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.contract.Backoff;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.contract.ContractBuilder;
import dev.jscontract.contract.DeadLetterPolicy;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which pull planner a contract gets: a declared batch size or expected p99 fixes the batch, else it adapts. */
class RuntimePartsTest {
    private static final Deadlines DEADLINES = new Deadlines(Duration.ofSeconds(30), List.of(), 5);

    private static ContractBuilder contract() {
        return ConsumerContract.builder().stream("ORDERS")
                .durable("billing")
                .ackWait(Duration.ofSeconds(30))
                .maxDeliver(5)
                .backoff(Backoff.fixed(Duration.ofSeconds(1)))
                .deadLetter(DeadLetterPolicy.none())
                .maxAckPending(64)
                .concurrency(4);
    }

    @Test
    void withoutABatchSizeOrExpectedP99ThePrefetchAdapts() {
        PullPlanner p = RuntimeParts.planner(contract().build(), DEADLINES);
        AdaptivePrefetch adaptive = p.adaptive();
        assertThat(adaptive).isNotNull();
        assertThat(adaptive.maxPrefetch()).as("one per handler thread").isEqualTo(4);
        assertThat(adaptive.budget()).as("a quarter of the first ack deadline").isEqualTo(Duration.ofMillis(7500));
        assertThat(p.prefetch()).as("no prefetch before the warm-up").isZero();
    }

    @Test
    void aDeclaredBatchSizeBypassesTheAdaptivePrefetch() {
        ConsumerContract c = contract().batchSize(10).build();
        PullPlanner p = RuntimeParts.planner(c, DEADLINES);
        assertThat(p.adaptive()).isNull();
        assertThat(p.batchSize()).isEqualTo(10);
        assertThat(p.window()).isEqualTo(10);
    }

    @Test
    void aDeclaredExpectedP99BypassesTheAdaptivePrefetch() {
        ConsumerContract fast = contract().expectedP99(Duration.ofMillis(50)).build();
        PullPlanner p = RuntimeParts.planner(fast, DEADLINES);
        assertThat(p.adaptive()).isNull();
        assertThat(p.batchSize())
                .as("a p99 below a quarter of the deadline: one prefetched message per thread, fixed")
                .isEqualTo(fast.getEffectiveBatchSize())
                .isEqualTo(8);

        ConsumerContract slow = contract().expectedP99(Duration.ofSeconds(20)).build();
        PullPlanner q = RuntimeParts.planner(slow, DEADLINES);
        assertThat(q.adaptive()).isNull();
        assertThat(q.batchSize()).as("a slow p99: no prefetch").isEqualTo(4);
        assertThat(q.window()).isEqualTo(4);
    }
}
