package dev.jscontract.outbox;

import java.util.Objects;
import java.util.OptionalInt;
import org.jspecify.annotations.Nullable;

/**
 * The logical replication slot of a WAL-mode relay as PostgreSQL reports it ({@code pg_replication_slots}), from
 * {@link OutboxAdmin#walSlot(String)}: whether a relay streams from it, how far it has confirmed, and how much WAL it
 * keeps. A slot that no relay reads keeps WAL without bound unless {@code max_slot_wal_keep_size} is set; a slot whose
 * {@linkplain #getWalStatus() WAL status} is {@code lost} can no longer be read (events were lost, see README "WAL
 * mode").
 *
 * <p>Immutable.
 */
public final class WalSlot {
    private final String name;
    private final @Nullable Integer activePid;
    private final @Nullable String confirmedFlushLsn;
    private final long retainedBytes;
    private final long lagBytes;
    private final @Nullable String walStatus;

    /**
     * A slot.
     *
     * @param name the slot's name
     * @param activePid the backend pid of the session streaming from it, null when no relay reads it
     * @param confirmedFlushLsn the position confirmed by the relay (every event before it is published), as
     *     PostgreSQL writes it ({@code 0/16B3748}); null before the first confirmation
     * @param retainedBytes WAL kept for the slot: from its restart position to the current WAL position
     * @param lagBytes WAL not yet confirmed: from the confirmed position to the current WAL position
     * @param walStatus {@code reserved}, {@code extended}, {@code unreserved} or {@code lost} (PostgreSQL 13+)
     */
    public WalSlot(
            String name,
            @Nullable Integer activePid,
            @Nullable String confirmedFlushLsn,
            long retainedBytes,
            long lagBytes,
            @Nullable String walStatus) {
        this.name = Objects.requireNonNull(name, "name");
        this.activePid = activePid;
        this.confirmedFlushLsn = confirmedFlushLsn;
        this.retainedBytes = retainedBytes;
        this.lagBytes = lagBytes;
        this.walStatus = walStatus;
    }

    /** The slot's name. */
    public String getName() {
        return name;
    }

    /** Whether a relay streams from the slot now. */
    public boolean isActive() {
        return activePid != null;
    }

    /** The backend pid of the session streaming from the slot, if one does. */
    public OptionalInt getActivePid() {
        return activePid == null ? OptionalInt.empty() : OptionalInt.of(activePid);
    }

    /** The confirmed position, as PostgreSQL writes it, or null before the first confirmation. */
    public @Nullable String getConfirmedFlushLsn() {
        return confirmedFlushLsn;
    }

    /** WAL kept for the slot, in bytes. */
    public long getRetainedBytes() {
        return retainedBytes;
    }

    /** WAL written since the confirmed position, in bytes: how far the relay is behind. */
    public long getLagBytes() {
        return lagBytes;
    }

    /** PostgreSQL's {@code wal_status} of the slot ({@code lost}: it can no longer be read), or null. */
    public @Nullable String getWalStatus() {
        return walStatus;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WalSlot that
                && name.equals(that.name)
                && Objects.equals(activePid, that.activePid)
                && Objects.equals(confirmedFlushLsn, that.confirmedFlushLsn)
                && retainedBytes == that.retainedBytes
                && lagBytes == that.lagBytes
                && Objects.equals(walStatus, that.walStatus);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, activePid, confirmedFlushLsn, retainedBytes, lagBytes, walStatus);
    }

    @Override
    public String toString() {
        return "WalSlot{" + name + ", activePid=" + activePid + ", confirmed=" + confirmedFlushLsn + ", retained="
                + retainedBytes + " B, lag=" + lagBytes + " B, walStatus=" + walStatus + "}";
    }
}
