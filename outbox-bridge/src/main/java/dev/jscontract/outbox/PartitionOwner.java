package dev.jscontract.outbox;

import java.time.Instant;
import java.util.Objects;
import java.util.OptionalInt;
import org.jspecify.annotations.Nullable;

/**
 * Who owns one partition of an outbox right now, from {@link OutboxAdmin#owners()}: the database session holding the
 * partition's advisory lock (a relay's control session), or nobody. Immutable.
 */
public final class PartitionOwner {
    private final int partition;
    private final @Nullable Integer pid;
    private final @Nullable String applicationName;
    private final @Nullable String clientAddress;
    private final @Nullable Instant since;

    /**
     * An owner, or an unowned partition when {@code pid} is null.
     *
     * @param partition the partition number
     * @param pid the owning session's backend pid, or null
     * @param applicationName its {@code application_name} (relays: {@code jscontract-outbox <relay> control})
     * @param clientAddress its client address, or null (a Unix socket, or not visible to this role)
     * @param since when that session started, or null
     */
    public PartitionOwner(
            int partition,
            @Nullable Integer pid,
            @Nullable String applicationName,
            @Nullable String clientAddress,
            @Nullable Instant since) {
        this.partition = partition;
        this.pid = pid;
        this.applicationName = applicationName;
        this.clientAddress = clientAddress;
        this.since = since;
    }

    /** The partition number. */
    public int getPartition() {
        return partition;
    }

    /** The owning session's pid, or empty when no relay owns the partition. */
    public OptionalInt getPid() {
        return pid == null ? OptionalInt.empty() : OptionalInt.of(pid);
    }

    /** The owning session's application name, or null. */
    public @Nullable String getApplicationName() {
        return applicationName;
    }

    /** The owning session's client address, or null. */
    public @Nullable String getClientAddress() {
        return clientAddress;
    }

    /** When the owning session started, or null. */
    public @Nullable Instant getSince() {
        return since;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PartitionOwner p
                && p.partition == partition
                && Objects.equals(p.pid, pid)
                && Objects.equals(p.applicationName, applicationName)
                && Objects.equals(p.clientAddress, clientAddress)
                && Objects.equals(p.since, since);
    }

    @Override
    public int hashCode() {
        return Objects.hash(partition, pid, applicationName, clientAddress, since);
    }

    @Override
    public String toString() {
        return "PartitionOwner{" + partition + (pid == null ? ": unowned" : ": pid " + pid + " " + applicationName)
                + "}";
    }
}
