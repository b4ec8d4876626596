package dev.jscontract.outbox.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Decides which partitions a relay should acquire or release so that the live relays share them evenly. Pure: the
 * inputs come from {@code pg_locks}, the outputs become advisory-lock calls.
 *
 * <p>With {@code P} partitions and {@code M} relays sorted by member key, the relay of rank {@code r} targets {@code
 * P / M} partitions, plus one when {@code r < P % M}. A relay above its target releases its highest-numbered extras;
 * one below it acquires free partitions, lowest first. A partition held by a relay above its target is left alone:
 * that relay releases it on its own next round, and the one below target takes it on the round after. When a relay
 * dies, its locks vanish with its session, {@code M} drops, and the survivors' targets grow, so they take over within
 * one round.
 */
public final class PartitionPlanner {
    private PartitionPlanner() {}

    /** What to do this round. */
    public record Plan(List<Integer> acquire, List<Integer> release, int target) {}

    /**
     * Plans one round.
     *
     * @param partitions the partition count
     * @param me this relay's member key
     * @param members the member keys of all live relays, including {@code me}
     * @param owners partition to the member key of its current owner (partitions not in the map are free)
     * @return partitions to try to acquire and to release, each ascending
     */
    public static Plan plan(int partitions, long me, Set<Long> members, Map<Integer, Long> owners) {
        SortedSet<Long> sorted = new TreeSet<>(members);
        sorted.add(me);
        int m = sorted.size();
        int rank = sorted.headSet(me).size();
        int target = partitions / m + (rank < partitions % m ? 1 : 0);
        List<Integer> mine = new ArrayList<>();
        List<Integer> free = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            Long owner = owners.get(p);
            if (owner == null) {
                free.add(p);
            } else if (owner == me) {
                mine.add(p);
            }
        }
        List<Integer> acquire = new ArrayList<>();
        List<Integer> release = new ArrayList<>();
        if (mine.size() > target) {
            release.addAll(mine.subList(target, mine.size()));
        } else if (mine.size() < target) {
            acquire.addAll(free.subList(0, Math.min(free.size(), target - mine.size())));
        }
        return new Plan(List.copyOf(acquire), List.copyOf(release), target);
    }
}
