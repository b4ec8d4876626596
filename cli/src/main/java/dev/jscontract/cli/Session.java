package dev.jscontract.cli;

import io.nats.client.Connection;
import java.time.Clock;
import java.time.Duration;

/**
 * What a parsed command runs against: the NATS connection (made on first use from the connection flags, the
 * environment and the selected context, or injected), the terminal, a clock, and the stop signal. Tests give a
 * command a session with their own connection and a terminal writing into a buffer, so rendering and behaviour are
 * tested without going through the command line.
 *
 * <p>One session serves one command invocation on one thread; it owns the connection it opened (closed at the end
 * of the command) but never one that was injected.
 */
public interface Session {
    /**
     * The connection; connects on first use. The session owns a connection it made and closes it when the command
     * ends; an injected connection is the caller's.
     *
     * @throws CliException (exit 3) when the server cannot be reached
     */
    Connection nats();

    /** The JetStream API subject prefix with its trailing dot ({@code $JS.API.}, or the domain's). */
    String jsApiPrefix();

    /** The request timeout ({@code --timeout}, default 5s). */
    Duration timeout();

    /** Where output goes and what the person at the other end can do. */
    Terminal terminal();

    /** The clock (dead-lettered times, {@code --since 2h}, progress rates). */
    Clock clock();

    /** Set on Ctrl-C. */
    StopSignal stopSignal();

    /** The process environment. */
    Environment environment();
}
