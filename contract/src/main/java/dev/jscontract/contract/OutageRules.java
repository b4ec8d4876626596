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
     * the runtime holds failing messages in process instead, which keeps their deliveries only while heartbeats reset
     * their ack timers: without heartbeats the finding says that a held message is redelivered after its ack deadline.
     */
    static void check(LintInputs in, LintCollector c) {
        if (in.contract == null || !in.contract.hasFiniteMaxDeliver()) {
            return;
        }
        Explanation explanation = in.contract.explain();
        Duration exposed = explanation.getOutageDeadLetterAfter().orElseThrow();
        String fix = "protect the downstream with .gate(CircuitBreakerGate.of(breaker)) or"
                + " FailureClassifier.withDependencyDown(...); see explain()";
        if (!in.contract.hasHeartbeats()) {
            // Holding keeps a message's delivery only while heartbeats reset its ack timer; without them the server
            // redelivers a held message after its ack deadline, exactly as if the runtime were not holding it.
            Duration deadline = explanation.getAttempts().get(0).getAckDeadline();
            c.add(finding(
                    LintRule.OUT_001,
                    "a downstream outage longer than " + human(exposed)
                            + " dead-letters healthy messages when every failure is NAKed ("
                            + in.contract.getMaxDeliver()
                            + " deliveries with the shortest retry delays), and holding does not help: without"
                            + " heartbeats (noHeartbeats()) a message held in process for a circuit breaker or a"
                            + " DEPENDENCY_DOWN failure is redelivered by the server after its ack deadline ("
                            + human(deadline) + "), one delivery spent each time",
                    Map.of(
                            "rideOutWithoutHolding",
                            human(exposed),
                            "maxDeliver",
                            Integer.toString(in.contract.getMaxDeliver()),
                            "heartbeats",
                            "off"),
                    "turn heartbeats back on (drop noHeartbeats()) so held messages keep their deadline, and " + fix));
            return;
        }
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
                fix));
    }
}
