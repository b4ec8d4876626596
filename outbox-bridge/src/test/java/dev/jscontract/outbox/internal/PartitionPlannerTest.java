package dev.jscontract.outbox.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PartitionPlannerTest {

    @Test
    void aLoneRelayTakesEveryPartition() {
        PartitionPlanner.Plan plan = PartitionPlanner.plan(8, 5, Set.of(5L), Map.of());
        assertThat(plan.target()).isEqualTo(8);
        assertThat(plan.acquire()).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
        assertThat(plan.release()).isEmpty();
    }

    @Test
    void threeRelaysShareEightPartitionsThreeThreeTwo() {
        Set<Long> members = Set.of(10L, 20L, 30L);
        assertThat(PartitionPlanner.plan(8, 10, members, Map.of()).target()).isEqualTo(3);
        assertThat(PartitionPlanner.plan(8, 20, members, Map.of()).target()).isEqualTo(3);
        assertThat(PartitionPlanner.plan(8, 30, members, Map.of()).target()).isEqualTo(2);
    }

    @Test
    void anOwnerAboveItsTargetReleasesItsHighestPartitions() {
        Map<Integer, Long> owners = new HashMap<>();
        for (int p = 0; p < 8; p++) {
            owners.put(p, 10L);
        }
        PartitionPlanner.Plan plan = PartitionPlanner.plan(8, 10, Set.of(10L, 20L), owners);
        assertThat(plan.target()).isEqualTo(4);
        assertThat(plan.release()).containsExactly(4, 5, 6, 7);
        assertThat(plan.acquire()).isEmpty();
    }

    @Test
    void aRelayBelowTargetTakesOnlyFreePartitionsLowestFirst() {
        Map<Integer, Long> owners = new HashMap<>(Map.of(0, 10L, 1, 10L, 2, 10L, 3, 10L, 4, 10L, 6, 10L));
        PartitionPlanner.Plan plan = PartitionPlanner.plan(8, 20, Set.of(10L, 20L), owners);
        assertThat(plan.acquire()).containsExactly(5, 7);
        assertThat(plan.release()).isEmpty();
    }

    @Test
    void survivorsTakeOverADeadRelaysPartitionsAtOnce() {
        // 30 died: its partitions 6 and 7 are free and the members are 10 and 20.
        Map<Integer, Long> owners = new HashMap<>(Map.of(0, 10L, 1, 10L, 2, 10L, 3, 20L, 4, 20L, 5, 20L));
        List<Integer> a = PartitionPlanner.plan(8, 10, Set.of(10L, 20L), owners).acquire();
        List<Integer> b = PartitionPlanner.plan(8, 20, Set.of(10L, 20L), owners).acquire();
        assertThat(a).containsExactly(6);
        assertThat(b).containsExactly(6);
        // both try 6 first; the advisory lock lets one win, and the loser takes 7 next round
        Map<Integer, Long> after = new HashMap<>(owners);
        after.put(6, 10L);
        assertThat(PartitionPlanner.plan(8, 20, Set.of(10L, 20L), after).acquire())
                .containsExactly(7);
    }

    @Test
    void partitionsOfANonMemberSessionCountAsTaken() {
        PartitionPlanner.Plan plan = PartitionPlanner.plan(4, 1, Set.of(1L, -7L), Map.of(0, -7L, 1, -7L));
        assertThat(plan.acquire()).containsExactly(2, 3);
    }

    @Test
    void moreRelaysThanPartitionsLeavesSomeIdle() {
        Set<Long> members = Set.of(1L, 2L, 3L);
        assertThat(PartitionPlanner.plan(2, 3, members, Map.of()).target()).isZero();
        assertThat(PartitionPlanner.plan(2, 3, members, Map.of()).acquire()).isEmpty();
    }
}
