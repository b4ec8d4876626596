package dev.jscontract.contract;

import static dev.jscontract.contract.LintCollector.finding;

import dev.jscontract.contract.internal.Subjects;
import java.util.Map;

/** MD-001 to MD-003 (max deliveries), DLQ-005 (a contract's dead-letter stream subjects) and CON-003 (ordered consumers) of {@link ContractLinter}. */
final class DeliveryRules {
    private DeliveryRules() {}

    static void check(LintInputs in, LintCollector c) {
        if (in.maxDeliver == ConsumerContract.UNLIMITED_DELIVERIES) {
            c.add(finding(
                    LintRule.MD_001,
                    "maxDeliver is unlimited: a poison message is redelivered forever and holds a MaxAckPending"
                            + " slot",
                    Map.of("maxDeliver", "unlimited"),
                    "set a finite maxDeliver (e.g. 5) and a dead-letter policy"));
        } else if (in.deadLetterSink.isEmpty()) {
            c.unchecked(LintRule.MD_002, "declare whether a dead-letter sink exists (deadLetterSink)");
        } else if (!in.deadLetterSink.get()) {
            c.add(finding(
                    LintRule.MD_002,
                    "maxDeliver is " + in.maxDeliver + " but nothing dead-letters: after the last delivery the message"
                            + " silently stops being processed"
                            + (in.workQueue ? " and stays in the WorkQueue stream forever (B-13)" : "")
                            + "; the MAX_DELIVERIES advisory is at-most-once and not even sent without a listener",
                    Map.of("maxDeliver", Long.toString(in.maxDeliver), "deadLetter", "none"),
                    "use DeadLetterPolicy.toDefaultSubject(), or suppress MD-002 with the reason"));
        }
        if (in.workQueue
                && in.maxDeliver != ConsumerContract.UNLIMITED_DELIVERIES
                && in.version.isPresent()
                && in.version.get().isAtLeast(ServerVersion.V2_12_3)
                && in.version.get().isBefore(ServerVersion.V2_12_5)) {
            boolean replicated = in.streamReplicas > 1;
            c.add(new Finding(
                    LintRule.MD_003,
                    replicated ? Severity.ERROR : Severity.WARNING,
                    "WorkQueue stream with maxDeliver " + in.maxDeliver + " on nats-server " + in.version.get()
                            + ": 2.12.3 and 2.12.4 delete a message when it reaches maxDeliver"
                            + (replicated
                                    ? " on replicated streams (" + in.streamReplicas + " replicas)"
                                    : " (reported on R3 streams; this one has 1 replica)")
                            + ", so the dead-letter sweeper cannot read it and it is lost (nats-server #7817)",
                    Map.of(
                            "retention",
                            "workqueue",
                            "maxDeliver",
                            Long.toString(in.maxDeliver),
                            "server",
                            in.version.get().toString(),
                            "replicas",
                            Integer.toString(in.streamReplicas)),
                    "upgrade nats-server to 2.12.5 or later (fixed by \"Preserve max delivered messages with WorkQueue"
                            + " retention\")"));
        }
        if (in.deadLetterSubject != null
                && in.deadLetterStreamSubjects.stream().noneMatch(p -> Subjects.covers(p, in.deadLetterSubject))) {
            c.add(finding(
                    LintRule.DLQ_005,
                    "the dead-letter subject " + in.deadLetterSubject + " is not among the subjects its dead-letter"
                            + " stream captures " + in.deadLetterStreamSubjects + ": every dead-letter publish would"
                            + " fail, and provisioning refuses it",
                    Map.of(
                            "deadLetterSubject",
                            in.deadLetterSubject,
                            "streamSubjects",
                            String.join(", ", in.deadLetterStreamSubjects)),
                    "add " + in.deadLetterSubject
                            + " (or a wildcard covering it) to DeadLetterPolicy.streamSubjects(...)"));
        }
        if (in.ordered) {
            c.add(finding(
                    LintRule.CON_003,
                    "this looks like an ordered consumer (ack none, max_deliver 1, memory storage): no retries and no"
                            + " dead-lettering for contract work",
                    Map.of("ackPolicy", "none", "maxDeliver", "1", "memStorage", "true"),
                    "use a durable pull consumer with explicit acks"));
        }
    }
}
