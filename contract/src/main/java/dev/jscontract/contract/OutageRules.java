package dev.jscontract.contract;

import static dev.jscontract.contract.LintCollector.finding;
import static dev.jscontract.contract.internal.Durations.human;

import java.time.Duration;
import java.util.Map;

/** OUT-001 (the downstream outage a contract rides out) of {@link ContractLinter}. */
final class OutageRules {
    private OutageRules() {}

    /**
     * OUT-001: the outage the contract rides out. Without holding, every failed attempt of an outage is NAKed with the
     * retry delay, so the earliest a message can reach its last delivery is the sum of the shortest delays: an outage
     * longer than that dead-letters healthy messages. With a circuit breaker (or a DEPENDENCY_DOWN classification)
     * the runtime holds failing messages in process instead.
     */
    static void check(LintInputs in, LintCollector c) {
        if (in.contract == null || !in.contract.hasFiniteMaxDeliver()) {
            return;
        }
        Duration exposed = in.contract.explain().getOutageDeadLetterAfter().orElseThrow();
        String hold = in.contract
                .getMaxProcessingTime()
                .map(d -> "each " + human(d) + " (maxProcessingTime) of holding spends one delivery, never the last")
                .orElse("a held message stays held (no maxProcessingTime)");
        c.add(finding(
                LintRule.OUT_001,
                "a downstream outage longer than " + human(exposed)
                        + " dead-letters healthy messages when every failure"
                        + " is NAKed (" + in.contract.getMaxDeliver() + " deliveries with the shortest retry delays);"
                        + " with a circuit breaker or a DEPENDENCY_DOWN classification, failing messages are held in"
                        + " process instead: no dead letter for an outage of any length while an instance runs ("
                        + hold + "; a crash or restart during the outage spends one delivery per held message)",
                Map.of(
                        "rideOutWithoutHolding",
                        human(exposed),
                        "maxDeliver",
                        Integer.toString(in.contract.getMaxDeliver())),
                "protect the downstream with .gate(CircuitBreakerGate.of(breaker)) or FailureClassifier.withDependencyDown(...); see"
                        + " explain()"));
    }
}
