package dev.jscontract.contract;

import static dev.jscontract.contract.LintCollector.finding;
import static dev.jscontract.contract.LintCollector.humanList;
import static dev.jscontract.contract.LintCollector.scale;
import static dev.jscontract.contract.internal.Durations.human;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/** BO-001 to BO-004 (server BackOff) and NAK-002, NAK-003 (retry delays) of {@link ContractLinter}. */
final class BackoffRules {
    private BackoffRules() {}

    static void check(LintInputs in, LintCollector c) {
        List<Duration> bo = in.serverBackoff;
        if (!bo.isEmpty()) {
            if (in.ackWait != null && !in.ackWait.equals(bo.get(0))) {
                c.add(finding(
                        LintRule.BO_001,
                        "ackWait " + human(in.ackWait) + " differs from serverBackoff[0] " + human(bo.get(0))
                                + ": the server replaces ackWait with BackOff[0] (and 2.11+ pedantic mode rejects it"
                                + " with 10157)",
                        Map.of("ackWait", human(in.ackWait), "serverBackoff[0]", human(bo.get(0))),
                        "set ackWait to " + human(bo.get(0)) + ", the deadline the server will apply"));
            }
            if (in.p99.isEmpty()) {
                c.unchecked(LintRule.BO_002, "declare expectedP99");
            } else if (bo.get(0).compareTo(in.p99.get()) < 0) {
                c.add(finding(
                        LintRule.BO_002,
                        "serverBackoff[0] " + human(bo.get(0)) + " is below expected p99 " + human(in.p99.get())
                                + ": BackOff entries are ack deadlines, not retry delays, so the first attempt is"
                                + " redelivered while it runs",
                        Map.of("serverBackoff[0]", human(bo.get(0)), "expectedP99", human(in.p99.get())),
                        "make serverBackoff[0] at least " + human(scale(in.p99.get(), 1.5))
                                + "; put retry delays in the contract's backoff instead"));
            }
            bo003(in, c);
            if (in.maxDeliver != ConsumerContract.UNLIMITED_DELIVERIES && bo.size() > in.maxDeliver) {
                c.add(finding(
                        LintRule.BO_004,
                        "serverBackoff has " + bo.size() + " entries but maxDeliver is " + in.maxDeliver
                                + ": entries after index " + (in.maxDeliver - 1) + " are never used",
                        Map.of(
                                "len(serverBackoff)",
                                Integer.toString(bo.size()),
                                "maxDeliver",
                                Long.toString(in.maxDeliver)),
                        "drop the last " + (bo.size() - in.maxDeliver) + " entries"));
            }
            if (in.retryBackoff.isPresent() && !in.retryBackoff.get().isNone()) {
                c.add(finding(
                        LintRule.NAK_002,
                        "retries use nakWithDelay together with server BackOff: the wait after a NAK on delivery n is"
                                + " delay + BackOff[n-1] - BackOff[0], not the delay",
                        Map.of(
                                "serverBackoff",
                                humanList(bo),
                                "backoff",
                                in.retryBackoff.get().toString()),
                        "read the stretched waits in explain(), or drop serverBackoff and keep ackWait + heartbeats"));
            }
        }
        if (in.retryBackoff.isEmpty()) {
            c.unchecked(LintRule.NAK_003, "declare the retry backoff the runtime uses");
        } else if (in.retryBackoff.get().isNone()) {
            c.add(finding(
                    LintRule.NAK_003,
                    "retry backoff is none: every failed attempt is redelivered at once, so a downstream outage burns"
                            + " maxDeliver in milliseconds",
                    Map.of("backoff", "none"),
                    "use Backoff.exponential(...) or Backoff.fixed(...)"));
        }
    }

    private static void bo003(LintInputs in, LintCollector c) {
        int len = in.serverBackoff.size();
        long md = in.maxDeliver;
        boolean unlimited = md == ConsumerContract.UNLIMITED_DELIVERIES;
        Map<String, String> values = Map.of(
                "maxDeliver", unlimited ? "unlimited" : Long.toString(md), "len(serverBackoff)", Integer.toString(len));
        String fix = "set maxDeliver to at least " + (len + 1) + " (portable: maxDeliver > len(serverBackoff))";
        if (in.version.isEmpty()) {
            if (unlimited || md <= len) {
                c.add(finding(
                        LintRule.BO_003,
                        "maxDeliver " + (unlimited ? "unlimited" : md) + " is not greater than len(serverBackoff) "
                                + len + ": consumer creation fails with 10116 on 2.9.x and up to 2.10.22",
                        values,
                        fix));
            }
            return;
        }
        ServerVersion v = in.version.get();
        String why = null;
        if (unlimited && v.isBefore(ServerVersion.V2_10_14)) {
            why = "maxDeliver unlimited with server BackOff is rejected with 10116 before 2.10.14 (target " + v + ")";
        } else if (!unlimited && md <= len && v.isBefore(ServerVersion.V2_10_23)) {
            why = "maxDeliver " + md + " <= len(serverBackoff) " + len + " is rejected with 10116 before 2.10.23"
                    + " (target " + v + ")";
        } else if (!unlimited && len > md) {
            why = "len(serverBackoff) " + len + " > maxDeliver " + md + " is rejected with 10116 (target " + v + ")";
        }
        if (why != null) {
            c.add(finding(LintRule.BO_003, why, values, fix));
        }
    }
}
