package dev.jscontract.testing.internal;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.opentest4j.TestAbortedException;

/**
 * Turns "a server cannot be had" into a disabled test class before any lifecycle method runs, so build tools report
 * it as skipped with the reason (an abort thrown from {@code beforeAll} is reported as an error by Surefire). Under
 * {@code CI} the probe's exception is a failure, not an abort: the class stays enabled and fails in {@code
 * beforeAll} with the same message.
 */
public final class Availability {
    private Availability() {}

    /** Runs a probe that throws {@link Environment#unavailable(String)} when the server cannot be had. */
    public static ConditionEvaluationResult probe(Runnable probe) {
        try {
            probe.run();
            return ConditionEvaluationResult.enabled("server available");
        } catch (TestAbortedException e) {
            return ConditionEvaluationResult.disabled(e.getMessage());
        } catch (RuntimeException e) {
            // under CI (or for an unexpected problem) the class runs and reports the failure where it happens
            return ConditionEvaluationResult.enabled("server probe failed; the test reports it: " + e.getMessage());
        }
    }
}
