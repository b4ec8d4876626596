package dev.jscontract.outbox.internal;

import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;

/**
 * The partitions a relay owns at one moment, with an epoch that changes on every change. The pump checks the epoch
 * before each publish, so a relay that lost a partition stops sending its rows at once.
 */
public record Ownership(long epoch, int[] partitions) {
    /** Owning nothing, epoch 0. */
    public static final Ownership NONE = new Ownership(0, new int[0]);

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

    /** A successor owning the given partitions. */
    public Ownership next(Set<Integer> owned) {
        return new Ownership(
                epoch + 1, owned.stream().mapToInt(Integer::intValue).sorted().toArray());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Ownership
                && ((Ownership) o).epoch == epoch
                && Arrays.equals(((Ownership) o).partitions, partitions);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(epoch) * 31 + Arrays.hashCode(partitions);
    }

    @Override
    public String toString() {
        return "Ownership{epoch " + epoch + ", " + Arrays.toString(partitions) + "}";
    }
}
