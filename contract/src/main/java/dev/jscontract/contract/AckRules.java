package dev.jscontract.contract;

import static dev.jscontract.contract.LintCollector.finding;
import static dev.jscontract.contract.LintCollector.scale;
import static dev.jscontract.contract.internal.Durations.human;

import io.nats.client.api.AckPolicy;
import java.time.Duration;
import java.util.Map;

/** ACK-001, ACK-002, ACK-003 (acknowledgement) and HB-001, HB-002 (heartbeats) of {@link ContractLinter}. */
final class AckRules {
    private AckRules() {}

    static void ack(LintInputs in, LintCollector c) {
        if (in.ackPolicy == AckPolicy.None) {
            c.add(finding(
                    LintRule.ACK_001,
                    "ack policy is none: a message counts as processed when it is sent, so a crash loses it",
                    Map.of("ackPolicy", "none"),
                    "use ack policy explicit"));
        } else if (in.ackPolicy == AckPolicy.All && in.handlerThreads.orElse(2) > 1) {
            c.add(finding(
                    LintRule.ACK_001,
                    "ack policy is all with "
                            + in.handlerThreads
                                    .map(t -> t + " handler threads")
                                    .orElse("an unknown number of handler threads")
                            + ": acking one message acks every earlier one, even those still being processed",
                    Map.of("ackPolicy", "all"),
                    "use ack policy explicit"));
        }
        if (in.live && in.serverBackoff.isEmpty() && LintInputs.SERVER_DEFAULT_ACK_WAIT.equals(in.ackWait)) {
            c.add(finding(
                    LintRule.ACK_002,
                    "ack_wait is 30s, the server default, and no backoff is set: the deadline was probably never"
                            + " chosen, and a handler slower than 30s is redelivered while it runs",
                    Map.of("ackWait", "30s"),
                    "declare ackWait deliberately (a contract forces it), or suppress ACK-002 with the reason"));
        }
        if (!in.heartbeats.isPresent()) {
            c.unchecked(LintRule.ACK_003, "declare the heartbeat interval the runtime uses");
        } else if (!in.heartbeats.get()) {
            if (in.p99.isEmpty()) {
                c.unchecked(LintRule.ACK_003, "declare expectedP99");
            } else {
                Duration eff1 = in.deadline(1);
                Duration needed = scale(in.p99.get(), 1.5);
                if (eff1.compareTo(needed) < 0) {
                    c.add(finding(
                            LintRule.ACK_003,
                            "the first ack deadline " + human(eff1) + " is below 1.5 x expected p99 "
                                    + human(in.p99.get()) + " (" + human(needed) + ") and there are no heartbeats:"
                                    + " slow first attempts are redelivered while still running",
                            Map.of("ackDeadline(1)", human(eff1), "expectedP99", human(in.p99.get())),
                            "turn heartbeats on, or raise "
                                    + (in.serverBackoff.isEmpty() ? "ackWait" : "serverBackoff[0]") + " to at least "
                                    + human(needed)));
                }
            }
        }
    }

    static void heartbeats(LintInputs in, LintCollector c) {
        if (in.heartbeatInterval.isPresent()) {
            Duration hb = in.heartbeatInterval.get();
            Duration minDeadline = in.minDeadline();
            Duration third = minDeadline.dividedBy(3);
            if (hb.compareTo(third) > 0) {
                c.add(finding(
                        LintRule.HB_001,
                        "heartbeat interval " + human(hb) + " is above a third of the shortest ack deadline "
                                + human(minDeadline) + ": one lost heartbeat lets the deadline pass and the message is"
                                + " redelivered while it is processed",
                        Map.of("heartbeatInterval", human(hb), "shortestAckDeadline", human(minDeadline)),
                        "set heartbeatInterval to at most " + human(third)
                                + " (or leave it unset: the runtime uses a third of the read-back deadline)"));
            }
        }
        if (in.heartbeats.orElse(false) && in.maxProcessingTime.isEmpty()) {
            c.add(finding(
                    LintRule.HB_002,
                    "heartbeats have no upper bound: a stuck handler keeps its message (and a MaxAckPending slot)"
                            + " forever",
                    Map.of("maxProcessingTime", "unset"),
                    "declare maxProcessingTime, e.g. a few times the expected p99"));
        }
    }
}
