package dev.jscontract.spring.boot;

import dev.jscontract.outbox.OutboxRelay;
import dev.jscontract.outbox.WalSettings;
import java.io.IOException;
import java.sql.SQLException;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Starts an {@link OutboxRelay} with the application context and closes it on shutdown. Created by the
 * auto-configuration when {@code jscontract.outbox.relay.enabled=true}, in the mode of {@code jscontract.outbox.mode}
 * and adjusted by the application's {@link OutboxRelayCustomizer}s.
 *
 * <p>Phase {@value #PHASE}: it starts before and stops after the consumers ({@link ContractConsumers#PHASE}), so rows
 * that handlers write while they drain are still published. A relay that cannot start (the database or NATS
 * unreachable, the outbox schema missing, a stream's duplicate window too short) fails the application start.
 *
 * <p><b>Thread safety</b>: thread-safe. {@link #start()}, {@link #stop()} and {@link #isRunning()} synchronize on this
 * object, so a {@code stop()} called while {@code start()} is still opening the relay's sessions waits for it and then
 * closes the relay; {@link #getRelay()} may be called from any thread (the relay is itself thread-safe). {@code
 * isRunning()} tells whether this lifecycle started the relay and has not stopped it, not whether the relay still
 * publishes: one that halted on its own says so in {@link OutboxRelay#getHealth()}. Not restartable: {@code stop()}
 * closes the relay, and a later {@code start()} fails with {@link IllegalStateException}.
 */
public final class OutboxRelayLifecycle implements SmartLifecycle {
    /** The lifecycle phase. */
    public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 200;

    private static final Logger LOG = LoggerFactory.getLogger(OutboxRelayLifecycle.class);

    private final OutboxRelay relay;
    private boolean running;

    /** Manages {@code relay}, which it owns from now on. */
    public OutboxRelayLifecycle(OutboxRelay relay) {
        this.relay = Objects.requireNonNull(relay, "relay");
    }

    /** The relay. */
    public OutboxRelay getRelay() {
        return relay;
    }

    /**
     * Starts the relay.
     *
     * @throws IllegalStateException when the relay cannot start; the message is the relay's
     */
    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        try {
            relay.start();
        } catch (SQLException | IOException | RuntimeException e) {
            throw new IllegalStateException(
                    "jscontract outbox relay " + relay.getName() + " did not start: " + e.getMessage()
                            + " (set jscontract.outbox.relay.enabled=false to run without a relay here)",
                    e);
        }
        running = true;
        WalSettings wal = relay.getWal();
        LOG.info(
                "jscontract outbox relay {} started on {}",
                relay.getName(),
                wal != null
                        ? "the WAL (slot " + wal.getSlot() + ", prefix " + wal.getPrefix() + ")"
                        : relay.getTables().qualifiedTable());
    }

    /** Closes the relay: in-flight publishes finish or are retried by the next relay (rows stay until acked). */
    @Override
    public synchronized void stop() {
        if (running) {
            running = false;
            relay.close();
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    @Override
    public String toString() {
        return "OutboxRelayLifecycle{" + relay + "}";
    }
}
