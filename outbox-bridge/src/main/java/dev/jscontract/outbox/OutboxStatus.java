package dev.jscontract.outbox;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** A snapshot of an outbox, from {@link OutboxAdmin#status()}. Immutable. */
public final class OutboxStatus {
    private final long backlog;
    private final long retrying;
    private final @Nullable Instant oldestCreatedAt;
    private final long parked;
    private final int partitions;

    /**
     * A snapshot.
     *
     * @param backlog rows waiting to be published
     * @param retrying rows among them that failed and wait for their next attempt
     * @param oldestCreatedAt the {@code created_at} of the oldest waiting row, or {@code null} when empty
     * @param parked rows in the parked-rows table
     * @param partitions the installed partition count
     */
    public OutboxStatus(long backlog, long retrying, @Nullable Instant oldestCreatedAt, long parked, int partitions) {
        this.backlog = backlog;
        this.retrying = retrying;
        this.oldestCreatedAt = oldestCreatedAt;
        this.parked = parked;
        this.partitions = partitions;
    }

    /** Rows waiting to be published. */
    public long getBacklog() {
        return backlog;
    }

    /** Rows that failed and wait for their next attempt. */
    public long getRetrying() {
        return retrying;
    }

    /** The {@code created_at} of the oldest waiting row, or {@code null}. */
    public @Nullable Instant getOldestCreatedAt() {
        return oldestCreatedAt;
    }

    /** Rows in the parked-rows table. */
    public long getParked() {
        return parked;
    }

    /** The installed partition count. */
    public int getPartitions() {
        return partitions;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof OutboxStatus)) {
            return false;
        }
        OutboxStatus that = (OutboxStatus) o;
        return backlog == that.backlog
                && retrying == that.retrying
                && parked == that.parked
                && partitions == that.partitions
                && Objects.equals(oldestCreatedAt, that.oldestCreatedAt);
    }

    @Override
    public int hashCode() {
        return Objects.hash(backlog, retrying, oldestCreatedAt, parked, partitions);
    }

    @Override
    public String toString() {
        return "OutboxStatus{backlog " + backlog + " (" + retrying + " retrying), oldest " + oldestCreatedAt
                + ", parked " + parked + ", partitions " + partitions + "}";
    }
}
