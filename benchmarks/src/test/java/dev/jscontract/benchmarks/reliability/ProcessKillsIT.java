package dev.jscontract.benchmarks.reliability;

import org.junit.jupiter.api.Test;

/** The relay's and the consumer's process SIGKILLed repeatedly during a run (CI size of docs/reliability.md). */
class ProcessKillsIT {

    @Test
    void killedRelayProcessesLoseAndDuplicateNothing() throws Exception {
        ReliabilityChecks.assertNothingLostOrDuplicated(ReliabilityChecks.run(Scenarios::relayKills), Size.CI.kills());
    }

    @Test
    void killedConsumerProcessesLoseAndDuplicateNothing() throws Exception {
        ReliabilityChecks.assertNothingLostOrDuplicated(
                ReliabilityChecks.run(Scenarios::consumerKills), Size.CI.kills());
    }
}
