package dev.jscontract.benchmarks.reliability;

import org.junit.jupiter.api.Test;

/** The R3 stream's leader killed, and the loss of quorum, under the whole pipeline (CI size of docs/reliability.md). */
class ClusterFaultsIT {

    @Test
    void aKilledStreamLeaderLosesAndDuplicatesNothing() throws Exception {
        ReliabilityChecks.assertNothingLostOrDuplicated(
                ReliabilityChecks.run(Scenarios::leaderLoss), Size.CI.repeats());
    }

    @Test
    void aLossOfQuorumLosesDuplicatesAndParksNothing() throws Exception {
        ReliabilityChecks.assertNothingLostOrDuplicated(ReliabilityChecks.run(Scenarios::quorumLoss), 1);
    }
}
