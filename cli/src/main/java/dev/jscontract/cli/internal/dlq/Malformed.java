package dev.jscontract.cli.internal.dlq;

/**
 * A message in a dead-letter stream that is not a readable jscontract envelope (written by hand, by another tool, or
 * by a newer format version): reported with the reason and skipped by listings, statistics, replay and purge.
 *
 * @param dlqStream the dead-letter stream
 * @param sequence its sequence there
 * @param problem why it cannot be read (from {@link dev.jscontract.contract.DeadLetterEnvelope#read})
 */
public record Malformed(String dlqStream, long sequence, String problem) implements Scanned {

    /** One line for an operator: where, why, and how to look at it. */
    public String describe() {
        return dlqStream + ":" + sequence + " is not a jscontract dead letter (" + problem + "); inspect it with"
                + " `nats stream get " + dlqStream + " " + sequence + "`";
    }
}
