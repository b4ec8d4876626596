package dev.jscontract.contract;

import static dev.jscontract.contract.LintCollector.finding;
import static dev.jscontract.contract.internal.Durations.human;

import java.time.Duration;
import java.util.Map;

/** OPS-001 (the longest ack deadline against the failover SLO) of {@link ContractLinter}. */
final class OpsRules {
    private OpsRules() {}

    static void check(LintInputs in, LintCollector c) {
        if (in.failoverSlo.isEmpty()) {
            c.unchecked(LintRule.OPS_001, "declare failoverSlo in LintOptions");
            return;
        }
        Duration longest = in.maxDeadline();
        if (longest.compareTo(in.failoverSlo.get()) > 0) {
            c.add(finding(
                    LintRule.OPS_001,
                    "the longest ack deadline " + human(longest) + " is above the failover SLO "
                            + human(in.failoverSlo.get()) + ": a crashed consumer's messages wait that long (B-17)",
                    Map.of("longestAckDeadline", human(longest), "failoverSlo", human(in.failoverSlo.get())),
                    "lower the ack deadline and rely on heartbeats for slow handlers"));
        }
    }
}
