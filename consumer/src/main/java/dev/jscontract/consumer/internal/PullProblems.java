package dev.jscontract.consumer.internal;

import dev.jscontract.consumer.ConsumerEvent.PullErrorKind;
import dev.jscontract.consumer.ConsumerHealth.Problem;
import io.nats.client.support.Status;
import java.time.Duration;

/**
 * What a pull status means and how it is reported: which 409s end a pull routinely, the kind of a pull error, and the
 * health problem (with a message that names the real cause and what to do) each kind raises.
 */
final class PullProblems {
    private PullProblems() {}

    static boolean isRoutineConflict(String text) {
        return text.equals("Batch Completed") || text.equals("Leadership Change") || text.equals("Server Shutdown");
    }

    static PullErrorKind classify(int code, String text) {
        if (code == Status.NO_RESPONDERS_CODE) {
            return PullErrorKind.NO_RESPONDERS;
        }
        if (code == Status.CONFLICT_CODE && text.equals(Status.CONSUMER_DELETED)) {
            return PullErrorKind.CONSUMER_DELETED;
        }
        if (code == Status.CONFLICT_CODE && text.startsWith(Status.EXCEEDED_MAX_PREFIX)) {
            return PullErrorKind.LIMIT_EXCEEDED;
        }
        return PullErrorKind.OTHER;
    }

    /**
     * Raises the health problem of a pull error.
     *
     * @param overBudget whether errors have lasted longer than the pull error budget (the problem then halts)
     */
    static void report(
            HealthTracker health,
            String stream,
            String durable,
            PullErrorKind kind,
            int code,
            String text,
            boolean overBudget,
            Duration errorBudget,
            long maxBackoffMillis) {
        switch (kind) {
            case CONSUMER_DELETED ->
                health.problem(
                        Problem.CONSUMER_DELETED,
                        true,
                        "the durable consumer " + stream + "/" + durable + " was deleted on the server (409"
                                + " Consumer Deleted); jscontract does not recreate it, since that would restart"
                                + " delivery from the deliver policy. Recreate it (or restart this consumer to"
                                + " provision it); pulls are retried every " + maxBackoffMillis / 1000
                                + " s and the consumer resumes when it is back");
            case NO_RESPONDERS -> {
                if (!health.has(Problem.CONSUMER_DELETED)) {
                    health.problem(
                            Problem.JETSTREAM_UNAVAILABLE,
                            overBudget,
                            "pulls get 503 No Responders: JetStream, the stream's leader or the consumer "
                                    + stream + "/" + durable + " is not available (a server restarting, a leader"
                                    + " election, JetStream disabled, the consumer deleted)"
                                    + (overBudget
                                            ? " for longer than the pull error budget " + errorBudget
                                                    + "; check the server"
                                            : "")
                                    + "; retrying with backoff");
                }
            }
            case LIMIT_EXCEEDED ->
                health.problem(
                        Problem.PULL_ERRORS,
                        overBudget,
                        "pull requests exceed a consumer limit (" + code + " " + text + "): check max_waiting,"
                                + " max_batch, max_expires and max_bytes against the contract's batch size");
            case OTHER ->
                health.problem(
                        Problem.PULL_ERRORS,
                        overBudget,
                        "pulls fail with an unexpected status " + code + " " + text + "; retrying with backoff");
            case HEARTBEAT_MISSED -> {
                // not an error of the pulls themselves: they were re-sent
            }
        }
    }
}
