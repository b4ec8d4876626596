package dev.jscontract.outbox.internal;

import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;

/**
 * The partitions a relay owns at one moment, with an epoch that changes on every change and the backend pid of the
 * control session that holds their advisory locks. The publisher checks the epoch before each publish, so a relay
 * that lost a partition stops sending its rows at once; claims and failure records are fenced on the locks that pid
 * holds in the database (see {@link OutboxSql}), for the case the relay has not noticed the loss yet.
 *
 * @param controlPid the control session's {@code pg_backend_pid()}, 0 when nothing is owned
 */
public record Ownership(long epoch, int[] partitions, int controlPid) {
    /** Owning nothing, epoch 0. */
    public static final Ownership NONE = new Ownership(0, new int[0], 0);

    /** Whether nothing is owned. */
    public boolean isEmpty() {
        return partitions.length == 0;
    }

    /** Whether the partition is owned. */
    public boolean owns(int partition) {
        return Arrays.binarySearch(partitions, partition) >= 0;
    }

    /** The partitions as a sorted set. */
    public Set<Integer> asSet() {
        Set<Integer> s = new TreeSet<>();
        for (int p : partitions) {
            s.add(p);
        }
        return s;
    }

    /** A successor owning the given partitions through the control session {@code controlPid}. */
    public Ownership next(Set<Integer> owned, int controlPid) {
        return new Ownership(
                epoch + 1,
                owned.stream().mapToInt(Integer::intValue).sorted().toArray(),
                owned.isEmpty() ? 0 : controlPid);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Ownership other
                && other.epoch == epoch
                && other.controlPid == controlPid
                && Arrays.equals(other.partitions, partitions);
    }

    @Override
    public int hashCode() {
        return (Long.hashCode(epoch) * 31 + Arrays.hashCode(partitions)) * 31 + controlPid;
    }

    @Override
    public String toString() {
        return "Ownership{epoch " + epoch + ", " + Arrays.toString(partitions) + ", control pid " + controlPid + "}";
    }
}
