package dev.jscontract.benchmarks.reliability;

import org.junit.jupiter.api.Test;

/**
 * nats-server restart, a silent network cut longer than the ack wait, and a PostgreSQL restart, each under the whole
 * pipeline (writers, relay, consumer with an inbox); CI size of docs/reliability.md.
 */
class ServerFaultsIT {

    @Test
    void aNatsServerRestartLosesAndDuplicatesNothing() throws Exception {
        ReliabilityChecks.assertNothingLostOrDuplicated(
                ReliabilityChecks.run(Scenarios::natsRestart), Size.CI.repeats());
    }

    @Test
    void aSilentCutLongerThanTheAckWaitLosesAndDuplicatesNothing() throws Exception {
        ReliabilityChecks.assertNothingLostOrDuplicated(ReliabilityChecks.run(Scenarios::silentCut), Size.CI.repeats());
    }

    @Test
    void aPostgresRestartLosesAndDuplicatesNothing() throws Exception {
        ReliabilityChecks.assertNothingLostOrDuplicated(
                ReliabilityChecks.run(Scenarios::postgresRestart), Size.CI.repeats());
    }
}
