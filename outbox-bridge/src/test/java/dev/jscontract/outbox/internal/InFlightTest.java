package dev.jscontract.outbox.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Pure logic of what the claim and settle threads share: batches settled together, the claim without retry checks. */
class InFlightTest {
    private static final Clock CLOCK = Clock.systemUTC();

    private static Batch batch(InFlight f, long firstId) {
        ClaimedRow row =
                new ClaimedRow(firstId, "s", "m" + firstId, null, new byte[0], null, Instant.EPOCH, null, 0, 0);
        Batch b = new Batch(List.of(row), 1, f.nextClaimSeq(), System.nanoTime(), CLOCK, () -> {});
        b.sending(0);
        b.seal(Long.MAX_VALUE);
        f.add(b);
        return b;
    }

    @Test
    void theSettleablePrefixIsTheHeadAndTheDoneBatchesRightAfterIt() {
        InFlight f = new InFlight(1);
        Batch first = batch(f, 1);
        Batch second = batch(f, 2);
        Batch third = batch(f, 3);
        Batch fourth = batch(f, 4);
        first.complete(0, null, new IllegalStateException("x"));
        second.complete(0, null, new IllegalStateException("x"));
        fourth.complete(0, null, new IllegalStateException("x")); // done, but behind the unfinished third
        assertThat(f.settleablePrefix(System.nanoTime())).containsExactly(first, second);
        third.complete(0, null, new IllegalStateException("x"));
        assertThat(f.settleablePrefix(System.nanoTime())).containsExactly(first, second, third, fourth);
    }

    @Test
    void theClaimSkipsTheRetryChecksOnlyWhileNoRetryCanBeWaiting() {
        InFlight f = new InFlight(1);
        assertThat(f.noRetriesWaiting()).as("before the first due-time query").isFalse();
        // the claim thread's due-time query found nothing, begun at record count 0
        f.dueUnknown = false;
        f.earliestDue(null);
        f.noRetriesAt = f.retryRecords.get();
        assertThat(f.noRetriesWaiting()).isTrue();
        // the settle thread begins a retry record: from now on the full claim, even before the due time is noted
        f.retryRecords.incrementAndGet();
        assertThat(f.noRetriesWaiting()).isFalse();
        f.noteDue(Instant.now().plusSeconds(5));
        assertThat(f.noRetriesWaiting()).isFalse();
        // the due time passes and is consumed: the next claim queries again before it may skip the checks
        f.dueConsumed(f.earliestDue());
        assertThat(f.noRetriesWaiting()).isFalse();
        f.dueUnknown = false;
        f.noRetriesAt = f.retryRecords.get();
        assertThat(f.noRetriesWaiting()).isTrue();
        // an ownership change (new partitions, maybe with another relay's retries) sets dueUnknown
        f.dueUnknown = true;
        assertThat(f.noRetriesWaiting()).isFalse();
    }
}
