package dev.jscontract.cli.internal.dlq;

import java.util.List;

/**
 * What one replay of one dead-letter stream did.
 *
 * @param dlqStream the dead-letter stream
 * @param published replays published
 * @param stored replays the target stream stored
 * @param duplicates replays the target stream already had (an earlier replay of the same dead letter)
 * @param failed replays that failed (the dead letter was kept)
 * @param skipped messages in range that are not readable dead letters
 * @param removed dead letters removed after their replay's PubAck
 * @param alreadyGone dead letters that were gone when they were to be removed
 * @param removeFailed dead letters replayed but not removed
 * @param interrupted whether Ctrl-C stopped it
 * @param failures the first failures, one line each
 */
public record ReplayResult(
        String dlqStream,
        long published,
        long stored,
        long duplicates,
        long failed,
        long skipped,
        long removed,
        long alreadyGone,
        long removeFailed,
        boolean interrupted,
        List<String> failures) {

    /** Replays that are in the target stream now. */
    public long replayed() {
        return stored + duplicates;
    }
}
