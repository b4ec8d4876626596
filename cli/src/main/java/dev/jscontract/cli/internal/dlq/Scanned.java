package dev.jscontract.cli.internal.dlq;

/** A message read from a dead-letter stream: a {@link DeadLetter}, or a {@link Malformed} one. */
public sealed interface Scanned permits DeadLetter, Malformed {
    /** The dead-letter stream. */
    String dlqStream();

    /** The sequence in it. */
    long sequence();
}
