package dev.jscontract.contract;

import static dev.jscontract.contract.LintCollector.finding;

import java.util.Map;

/** VER-001 (features the target server drops) of {@link ContractLinter}. */
final class VersionRules {
    private VersionRules() {}

    static void check(LintInputs in, LintCollector c) {
        if (in.version.isEmpty()) {
            if (!in.features.isEmpty()) {
                c.unchecked(LintRule.VER_001, "give the target server version");
            }
            return;
        }
        ServerVersion v = in.version.get();
        in.features.forEach((feature, needed) -> {
            if (v.isBefore(needed)) {
                c.add(finding(
                        LintRule.VER_001,
                        feature + " needs nats-server " + needed + " but the target is " + v + ", which silently"
                                + " drops it"
                                + (feature.startsWith("filterSubjects")
                                        ? ": the consumer would receive every subject of the stream"
                                        : ""),
                        Map.of("feature", feature, "needs", needed.toString(), "target", v.toString()),
                        "remove " + feature + " or upgrade the server to " + needed + "+"));
            }
        });
    }
}
