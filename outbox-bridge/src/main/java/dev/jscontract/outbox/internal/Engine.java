package dev.jscontract.outbox.internal;

import dev.jscontract.outbox.RelayHealth;
import java.io.IOException;
import java.sql.SQLException;
import java.util.Optional;
import java.util.Set;

/** What {@code OutboxRelay} runs: the table relay ({@link RelayEngine}) or the WAL relay ({@link WalRelayEngine}). */
public interface Engine {
    /**
     * Checks the setup and starts the engine's threads.
     *
     * @throws SQLException when PostgreSQL cannot be reached
     * @throws IOException when the NATS server cannot answer
     */
    void start() throws SQLException, IOException;

    /** Stops the threads, waiting for outstanding PubAcks up to the publish timeout. */
    void close();

    /** Whether every thread runs and the engine is not halted. */
    boolean isRunning();

    /** The health. */
    RelayHealth health();

    /** Why the engine stopped on its own, if it did. */
    Optional<Throwable> failure();

    /** The partitions owned right now (WAL mode: {@code {0}} while this relay streams from the slot). */
    Set<Integer> ownedPartitions();

    /** The partition count, 0 before start (WAL mode: 1). */
    int partitions();
}
