package dev.jscontract.cli.internal.command;

import dev.jscontract.cli.Environment;
import dev.jscontract.cli.Session;
import dev.jscontract.cli.StopSignal;
import dev.jscontract.cli.Terminal;
import dev.jscontract.cli.internal.connect.ConnectionFlags;
import dev.jscontract.cli.internal.connect.ConnectionSettings;
import dev.jscontract.cli.internal.connect.NatsConnector;
import dev.jscontract.cli.internal.connect.SettingsResolver;
import io.nats.client.Connection;
import java.time.Clock;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The session {@link dev.jscontract.cli.Cli} gives a command: settings resolved on first need, a connection made on
 * first use and closed by {@link #close()}, or an injected connection that is never closed here.
 */
public final class DefaultSession implements Session, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DefaultSession.class);

    private final Environment env;
    private final Terminal terminal;
    private final StopSignal stop;
    private final Clock clock;
    private final ConnectionFlags flags;
    private final @Nullable Connection injected;
    private @Nullable ConnectionSettings settings;
    private @Nullable Connection owned;

    /** A session; {@code injected} is used instead of connecting when given. */
    public DefaultSession(
            Environment env,
            Terminal terminal,
            StopSignal stop,
            Clock clock,
            ConnectionFlags flags,
            @Nullable Connection injected) {
        this.env = env;
        this.terminal = terminal;
        this.stop = stop;
        this.clock = clock;
        this.flags = flags;
        this.injected = injected;
    }

    private synchronized ConnectionSettings settings() {
        if (settings == null) {
            settings = new SettingsResolver(env).resolve(flags);
        }
        return settings;
    }

    @Override
    public synchronized Connection nats() {
        if (injected != null) {
            return injected;
        }
        if (owned == null) {
            owned = NatsConnector.connect(settings());
        }
        return owned;
    }

    @Override
    public String jsApiPrefix() {
        if (injected != null && flags.jsDomain() == null) {
            return "$JS.API.";
        }
        return injected != null
                ? "$JS." + flags.jsDomain() + ".API."
                : settings().jsApiPrefix();
    }

    @Override
    public Duration timeout() {
        if (injected != null) {
            return flags.timeout() != null ? flags.timeout() : SettingsResolver.DEFAULT_TIMEOUT;
        }
        return settings().timeout();
    }

    @Override
    public Terminal terminal() {
        return terminal;
    }

    @Override
    public Clock clock() {
        return clock;
    }

    @Override
    public StopSignal stopSignal() {
        return stop;
    }

    @Override
    public Environment environment() {
        return env;
    }

    @Override
    public synchronized void close() {
        if (owned != null) {
            try {
                owned.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                LOG.debug("interrupted while closing the connection", e);
            }
            owned = null;
        }
    }

    @Override
    public String toString() {
        return "DefaultSession{" + (injected != null ? "injected connection" : String.valueOf(settings)) + "}";
    }
}
