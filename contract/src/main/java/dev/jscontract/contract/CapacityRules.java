package dev.jscontract.contract;

import static dev.jscontract.contract.LintCollector.finding;
import static dev.jscontract.contract.internal.Durations.human;

import java.time.Duration;
import java.util.Map;

/** MAP-001 (MaxAckPending) and BUF-001 (client buffer) of {@link ContractLinter}. */
final class CapacityRules {
    private CapacityRules() {}

    private static final int JNATS_DEFAULT_BATCH = 500;

    static void check(LintInputs in, LintCollector c) {
        int instances = in.instances.orElse(1);
        if (in.maxAckPending.isEmpty()) {
            c.add(finding(
                    LintRule.MAP_001,
                    "maxAckPending is not declared: the server default 1000 decides how many messages can be in"
                            + " flight",
                    Map.of("maxAckPending", "unset (server default 1000)"),
                    "declare maxAckPending, at least instances x batch size"));
        } else if (in.batchSize.isEmpty() || in.instances.isEmpty()) {
            c.unchecked(LintRule.MAP_001, "declare instances and batchSize to compare with maxAckPending");
        } else {
            long needed = (long) instances * in.batchSize.get();
            if (in.maxAckPending.get() < needed) {
                c.add(finding(
                        LintRule.MAP_001,
                        "maxAckPending " + in.maxAckPending.get() + " is below instances x batch size = " + instances
                                + " x " + in.batchSize.get() + " = " + needed + ": some instances' pulls are starved",
                        Map.of(
                                "maxAckPending",
                                Long.toString(in.maxAckPending.get()),
                                "instances",
                                Integer.toString(instances),
                                "batchSize",
                                Integer.toString(in.batchSize.get())),
                        "raise maxAckPending to at least " + needed + " or lower batchSize"));
            }
        }
        if (in.p99.isEmpty()) {
            c.unchecked(LintRule.BUF_001, "declare expectedP99");
        } else {
            int batch = in.batchSize.orElse(JNATS_DEFAULT_BATCH);
            int threads = in.handlerThreads.orElse(1);
            Duration wait = Duration.ofNanos(
                    Math.round((double) batch / threads * in.p99.get().toNanos()));
            Duration eff1 = in.deadline(1);
            if (wait.compareTo(eff1) >= 0) {
                c.add(finding(
                        LintRule.BUF_001,
                        "(batch " + batch + (in.batchSize.isEmpty() ? " (jnats default)" : "") + " / " + threads
                                + " handler thread(s)) x p99 " + human(in.p99.get()) + " = " + human(wait)
                                + " reaches the first ack deadline " + human(eff1)
                                + ": buffered messages are redelivered before a handler reaches them",
                        Map.of(
                                "batchSize",
                                Integer.toString(batch),
                                "handlerThreads",
                                Integer.toString(threads),
                                "expectedP99",
                                human(in.p99.get()),
                                "ackDeadline(1)",
                                human(eff1)),
                        "lower batchSize to at most " + maxBatch(eff1, in.p99.get(), threads)
                                + " or raise the ack deadline"));
            }
        }
    }

    /** The largest batch with (batch / threads) x p99 below the deadline, at least 1. */
    private static long maxBatch(Duration deadline, Duration p99, int threads) {
        long ceil = (long) Math.ceil((double) deadline.toNanos() * threads / p99.toNanos());
        return Math.max(1, ceil - 1);
    }
}
