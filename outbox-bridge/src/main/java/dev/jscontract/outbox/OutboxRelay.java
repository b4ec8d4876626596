package dev.jscontract.outbox;

import dev.jscontract.contract.internal.Checks;
import dev.jscontract.outbox.internal.Engine;
import dev.jscontract.outbox.internal.RelayConfig;
import dev.jscontract.outbox.internal.RelayEngine;
import dev.jscontract.outbox.internal.WalRelayEngine;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.nats.client.Connection;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Publishes committed outbox rows to JetStream and deletes them once the stream has acknowledged them: nothing lost,
 * nothing stored twice.
 *
 * <pre>{@code
 * try (OutboxRelay relay = OutboxRelay.builder()
 *         .connection(natsConnection)            // yours: the relay never closes it
 *         .dataSource(dataSource)                // the relay holds four sessions of it while running
 *         .streams("ORDERS")                     // checked at start: duplicate window vs retry horizon (PUB-002)
 *         .meterRegistry(registry)
 *         .build()) {
 *   relay.start();
 *   ...                                          // runs on its own threads until close()
 * }
 * }</pre>
 *
 * <h2>What it guarantees</h2>
 *
 * <ul>
 *   <li><b>No lost row.</b> A row is deleted only after its PubAck; a duplicate ack ({@code PublishAck.isDuplicate()})
 *       counts as success (PUB-003). Claims keep no cursor: each one reads the owned partitions from the start in id
 *       order, so a transaction that commits after rows with higher ids were published is still found (the "skip
 *       hazard" of cursor-based relays). Rows of rolled-back transactions never become visible. See {@code
 *       docs/decisions/outbox-claiming.md}.
 *   <li><b>No transaction across a publish.</b> The claim is one autocommit {@code SELECT}, the delete one autocommit
 *       {@code DELETE}; nothing is locked while PubAcks are awaited.
 *   <li><b>Crash safety.</b> A crash at any point leaves the unacknowledged rows in the table; the next owner publishes
 *       them again with the same {@code Nats-Msg-Id}, and the stream's duplicate window drops the copies (PUB-001).
 *       That holds while re-publishes happen within the window: {@link #start()} compares each stream's window with
 *       the {@linkplain Builder#retryHorizon(Duration) retry horizon} and refuses or warns (PUB-002).
 *   <li><b>Per-key order.</b> Rows with the same ordering key reach the stream in commit order (the writer assigns
 *       ids of one key in commit order; the relay publishes in id order over one connection and holds a key back
 *       while one of its rows waits for a retry). An outage (the connection not connected or re-established,
 *       a timeout, a stream unavailable) holds publishing until every row in flight has its PubAck, failure or
 *       timeout; the lost rows are then claimed again first, the first one alone as a probe. Exceptions, each at
 *       most the rows in flight ({@code batchSize × pipelineDepth}): rows jnats had queued but not written when the
 *       socket broke are sent by jnats itself after the reconnect, ahead of rows lost with the socket (logged as a
 *       warning with the number, see {@code docs/decisions/outbox-table-order-across-reconnects.md}); and a row whose
 *       publish fails for a reason of its own while later rows of its key are already in flight can be overtaken by
 *       those rows.
 *   <li><b>Partitions and failover.</b> Rows are partitioned by key hash (the count is fixed by {@link
 *       OutboxSchema}). Each partition is owned by one relay at a time through a PostgreSQL session-level advisory
 *       lock on the relay's control session; live relays share the partitions evenly. When a relay dies, its session
 *       ends, its locks vanish, and a standby takes over at its next rebalance ({@link
 *       Builder#rebalanceInterval(Duration)}). A relay that loses its session drops all partitions at once and stops
 *       sending their rows.
 *   <li><b>Wake-up.</b> While rows keep coming the relay polls (every 2 ms after a claim that found rows, backing
 *       off after empty ones) and writers notify nothing. A few milliseconds after the last rows it falls asleep: it
 *       takes an advisory "idle lock" per owned partition on its claim session, and the schema's trigger makes each
 *       transaction that inserts a row of such a partition notify at commit, which wakes the relay within
 *       milliseconds. So writers pay for {@code NOTIFY} (a commit-time lock global to the PostgreSQL server) only
 *       while a relay sleeps; see {@code docs/decisions/outbox-wakeup.md}. Asleep, it issues about one query per
 *       {@link Builder#rebalanceInterval(Duration)}, plus one per {@link Builder#statsInterval(Duration)} and a safety
 *       poll per {@link Builder#idlePollInterval(Duration)}: with the defaults, about 0.6 queries per second.
 *   <li><b>Poison rows</b> (no stream for the subject, payload too large, a rejecting server) are retried with {@link
 *       Builder#retryBackoff(RetryBackoff)} and, after {@link Builder#maxAttempts(int)} attempts, moved to the
 *       parked-rows table with the reason; rows of other keys keep flowing. {@link OutboxAdmin#requeue} brings them
 *       back. Connection problems and server outages never count as attempts: the relay pauses instead.
 * </ul>
 *
 * <h2>WAL mode</h2>
 *
 * With {@link Builder#wal(WalSettings)} the relay reads events that an {@link OutboxWriter} in WAL mode emitted as
 * logical decoding messages, from a replication slot, instead of claiming rows (README, "WAL mode"): events are
 * published in commit order, the slot's confirmed position advances only up to the last event whose PubAck, and every
 * PubAck before it, arrived, poison events are parked with their LSN, and one relay streams while others with the
 * same slot wait and take over. It runs two threads ({@code wal}, {@code stats}), one replication session and up to
 * two ordinary sessions; its meters are under {@code jscontract.outbox.wal.}, tagged {@code slot}. Its events are the
 * same records: in {@link OutboxRelayEvent.PublishedRow} and {@link OutboxRelayEvent.RowParked} the row id is the
 * event's LSN ({@code -LSN} for parked events, their id in the parked table), and {@code createdAt} is the commit time.
 *
 * <h2>Threads and resources</h2>
 *
 * {@link #start()} starts four daemon threads (control: ownership and stats; listen: commit notifications; claim and
 * publish; settle) and holds four sessions from the {@link DataSource} (one per thread) for as long as the relay
 * runs. {@link #close()} stops claiming, waits up to the publish timeout for outstanding PubAcks, deletes the
 * acknowledged rows, releases the partitions, removes the relay's meters and closes its own sessions. The NATS {@link
 * Connection}, the {@link DataSource} and the {@link MeterRegistry} are the caller's and are never closed here. Give
 * the data source a connect and login timeout ({@code connectTimeout}, {@code loginTimeout} for pgjdbc) so that a
 * relay closed during a network cut does not wait on a connection attempt.
 *
 * <p><b>Thread safety</b>: an {@code OutboxRelay} is thread-safe. {@link #start()} may be called once; {@link
 * #close()}, {@link #getState()}, {@link #getHealth()} and the other getters may be called from any thread at any time,
 * also concurrently with each other; {@code close()} is idempotent. The builder is for one thread.
 *
 * <h2>Metrics</h2>
 *
 * Under {@code jscontract.outbox.}, tagged {@code table}: {@code backlog}, {@code lag}, {@code parked}, {@code
 * partitions.owned}, {@code xmin.age} (gauges, refreshed every {@link Builder#statsInterval(Duration)}); {@code
 * published} ({@code outcome=stored|duplicate}), {@code failures} ({@code reason}), {@code parks} ({@code reason}),
 * {@code ownership.changes} ({@code cause}), {@code listener.failures} (counters); {@code batch.size}, {@code
 * batch.duration}, {@code claim.duration}, {@code commit.to.ack} (distributions). A transaction open longer than
 * {@link Builder#longTransactionThreshold(Duration)} is logged and reported as {@link
 * OutboxRelayEvent.XminHorizonHeldBack}.
 */
public final class OutboxRelay implements AutoCloseable {
    /** Default rows per claim. */
    public static final int DEFAULT_BATCH_SIZE = 1000;
    /** Default batches in flight at once. */
    public static final int DEFAULT_PIPELINE_DEPTH = 3;
    /** Default wait for a PubAck. */
    public static final Duration DEFAULT_PUBLISH_TIMEOUT = Duration.ofSeconds(5);
    /** Default attempts before a row is parked. */
    public static final int DEFAULT_MAX_ATTEMPTS = 8;
    /** Default interval of the ownership round (and the takeover delay after a relay dies). */
    public static final Duration DEFAULT_REBALANCE_INTERVAL = Duration.ofSeconds(2);
    /** Default safety poll while idle (the notification channel is the normal wake-up). */
    public static final Duration DEFAULT_IDLE_POLL_INTERVAL = Duration.ofSeconds(30);
    /** Default interval of the stats query (backlog, lag, parked, oldest transaction). */
    public static final Duration DEFAULT_STATS_INTERVAL = Duration.ofSeconds(10);
    /** Default age of a transaction that draws the xmin-horizon warning. */
    public static final Duration DEFAULT_LONG_TRANSACTION_THRESHOLD = Duration.ofMinutes(5);
    /** Default socket timeout of the relay's PostgreSQL sessions. */
    public static final Duration DEFAULT_DB_NETWORK_TIMEOUT = Duration.ofSeconds(10);

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Pattern STREAM = Pattern.compile("[^\\s.*>/\\\\]{1,255}");
    /** In-flight ids are passed to each claim; this bounds that list. */
    static final int MAX_IN_FLIGHT_ROWS = 50_000;

    private enum State {
        NEW,
        RUNNING,
        CLOSED
    }

    private final RelayConfig config;
    private final @Nullable WalSettings wal;
    private final Engine engine;
    private State state = State.NEW;

    private OutboxRelay(RelayConfig config, @Nullable WalSettings wal) {
        this.config = config;
        this.wal = wal;
        this.engine = wal == null ? new RelayEngine(config) : new WalRelayEngine(config, wal);
    }

    /** Starts a builder: connection, then data source, then options. */
    public static ConnectionStage builder() {
        return new Builder();
    }

    /**
     * Reads the installed schema, checks the duplicate windows of the {@linkplain Builder#streams(String...)
     * configured streams} against the retry horizon, opens the control session and starts publishing.
     *
     * @throws SQLException when PostgreSQL cannot be reached
     * @throws IOException when the NATS server does not answer a stream-info request
     * @throws IllegalStateException when already started or closed; when the outbox schema is not installed; when a
     *     configured stream does not exist; or, with {@link DuplicateWindowCheck#REFUSE}, when a stream's duplicate
     *     window is not longer than the retry horizon (PUB-002; the message names stream, window, horizon and fix);
     *     in WAL mode also when the server is older than 14 or runs without {@code wal_level=logical}, when the
     *     publication is missing, or when the relay's role lacks the {@code REPLICATION} attribute (the message names
     *     the {@code ALTER ROLE} statement to run)
     */
    public synchronized void start() throws SQLException, IOException {
        if (state != State.NEW) {
            throw new IllegalStateException("relay " + config.name() + " is "
                    + state.name().toLowerCase(java.util.Locale.ROOT) + "; start() may be called once, on a new relay");
        }
        engine.start();
        state = State.RUNNING;
    }

    /**
     * Stops the relay (see the class documentation). Idempotent; a relay is not restartable.
     */
    @Override
    public synchronized void close() {
        if (state != State.CLOSED) {
            engine.close();
        }
        state = State.CLOSED;
    }

    /** The relay's name, used in logs, thread names and events. */
    public String getName() {
        return config.name();
    }

    /** Whether the relay runs: started, not closed, and not halted (it may be RECOVERING from an outage). */
    public synchronized boolean isRunning() {
        return state == State.RUNNING && engine.isRunning();
    }

    /** The state: NEW, RUNNING, RECOVERING (an outage), HALTED (needs a person) or CLOSED. */
    public RelayState getState() {
        return engine.health().getState();
    }

    /**
     * The health: state, cause, a sentence on what is going on, and since when. The same changes are reported as
     * {@link OutboxRelayEvent.StateChanged} events and as the {@code jscontract.outbox.state} gauge.
     */
    public RelayHealth getHealth() {
        return engine.health();
    }

    /**
     * Why the relay halted on its own (the NATS connection closed, a refused duplicate window of a stream first seen
     * at run time, a failed thread), if it did.
     */
    public Optional<Throwable> getFailure() {
        return engine.failure();
    }

    /** The WAL mode's settings, or {@code null} for the table mode. */
    public @Nullable WalSettings getWal() {
        return wal;
    }

    /**
     * The partitions this relay owns right now (empty before start and after close). In WAL mode there is one
     * partition, the slot: {@code {0}} while this relay streams from it, empty while it waits as a standby.
     */
    public Set<Integer> getOwnedPartitions() {
        return engine.ownedPartitions();
    }

    /** The installed partition count (0 before start). */
    public int getPartitionCount() {
        return engine.partitions();
    }

    /** The retry horizon compared with the streams' duplicate windows (see {@link Builder#retryHorizon(Duration)}). */
    public Duration getRetryHorizon() {
        return config.retryHorizon();
    }

    /** The table names. */
    public OutboxTables getTables() {
        return config.tables();
    }

    @Override
    public String toString() {
        return "OutboxRelay{" + config.name() + ", "
                + (wal != null ? "wal slot " + wal.getSlot() : config.tables().qualifiedTable()) + ", " + state + "}";
    }

    /** First stage: the NATS connection. */
    public interface ConnectionStage {
        /**
         * The NATS connection to publish on. The caller owns it; the relay never closes it. Give it unlimited
         * reconnects ({@code maxReconnects(-1)}) so that a server outage pauses the relay instead of ending it.
         */
        DataSourceStage connection(Connection connection);
    }

    /** Second stage: the database. */
    public interface DataSourceStage {
        /**
         * The data source of the outbox's database. The relay holds four sessions of it while running: give a pool
         * room for them.
         */
        Builder dataSource(DataSource dataSource);
    }

    /** The options. Each may be set once (a second call throws); {@link #build()} checks the combinations. */
    public static final class Builder implements ConnectionStage, DataSourceStage {
        private @Nullable Connection connection;
        private @Nullable DataSource dataSource;
        private OutboxTables tables = OutboxTables.defaults();
        private boolean tablesSet;
        private @Nullable String name;
        private final Set<String> streams = new LinkedHashSet<>();
        private boolean streamsSet;
        private int batchSize = DEFAULT_BATCH_SIZE;
        private boolean batchSizeSet;
        private int pipelineDepth = DEFAULT_PIPELINE_DEPTH;
        private boolean pipelineDepthSet;
        private Duration publishTimeout = DEFAULT_PUBLISH_TIMEOUT;
        private boolean publishTimeoutSet;
        private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
        private boolean maxAttemptsSet;
        private RetryBackoff retryBackoff = RetryBackoff.DEFAULT;
        private boolean retryBackoffSet;
        private DuplicateWindowCheck duplicateWindowCheck = DuplicateWindowCheck.REFUSE;
        private boolean duplicateWindowCheckSet;
        private @Nullable Duration retryHorizon;
        private Duration rebalanceInterval = DEFAULT_REBALANCE_INTERVAL;
        private boolean rebalanceIntervalSet;
        private Duration idlePollInterval = DEFAULT_IDLE_POLL_INTERVAL;
        private boolean idlePollIntervalSet;
        private Duration statsInterval = DEFAULT_STATS_INTERVAL;
        private boolean statsIntervalSet;
        private Duration longTransactionThreshold = DEFAULT_LONG_TRANSACTION_THRESHOLD;
        private boolean longTransactionThresholdSet;
        private Duration dbNetworkTimeout = DEFAULT_DB_NETWORK_TIMEOUT;
        private boolean dbNetworkTimeoutSet;
        private Clock clock = Clock.systemUTC();
        private boolean clockSet;
        private @Nullable MeterRegistry meterRegistry;
        private final List<OutboxRelayListener> listeners = new ArrayList<>();
        private @Nullable WalSettings wal;

        private Builder() {}

        /**
         * Switches the relay to WAL mode (see the class documentation): it streams the events of {@link OutboxWriter}s
         * in WAL mode from the settings' replication slot. The tables are still used: the metadata table's install id
         * goes into derived message ids, and poison events go to the parked table ({@link OutboxSchema#installWal}).
         * {@code batchSize}, {@code pipelineDepth}, {@code rebalanceInterval}, {@code idlePollInterval} and {@code
         * longTransactionThreshold} belong to the table mode and cannot be combined with it.
         *
         * @throws IllegalStateException when set twice
         */
        public Builder wal(WalSettings wal) {
            Checks.once(this.wal != null, "wal", this.wal);
            this.wal = Objects.requireNonNull(wal, "wal");
            return this;
        }

        @Override
        public DataSourceStage connection(Connection connection) {
            this.connection = Objects.requireNonNull(connection, "connection");
            return this;
        }

        @Override
        public Builder dataSource(DataSource dataSource) {
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
            return this;
        }

        /**
         * The table names (default {@link OutboxTables#defaults()}); must match the writer's and the schema's.
         *
         * @throws IllegalStateException when set twice
         */
        public Builder tables(OutboxTables tables) {
            Checks.once(tablesSet, "tables", this.tables);
            this.tables = Objects.requireNonNull(tables, "tables");
            tablesSet = true;
            return this;
        }

        /**
         * The relay's name in logs, thread names and events (default {@code relay-<pid>-<random>}).
         *
         * @throws IllegalArgumentException when not 1 to 64 characters of letters, digits, {@code .}, {@code _}, {@code
         *     -}
         * @throws IllegalStateException when set twice
         */
        public Builder name(String name) {
            Checks.once(this.name != null, "name", this.name);
            Objects.requireNonNull(name, "name");
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException(
                        "name must be 1 to 64 letters, digits, '.', '_' or '-' but was '" + name + "'");
            }
            this.name = name;
            return this;
        }

        /**
         * The streams the relay publishes into, checked at {@link OutboxRelay#start()}: each must exist, and its
         * duplicate window must be longer than the retry horizon (PUB-002). A stream that first shows up in a PubAck
         * is checked then. Default: none (checked at first PubAck only).
         *
         * @throws IllegalArgumentException when empty, when a name is not a valid stream name, or on duplicates
         * @throws IllegalStateException when set twice
         */
        public Builder streams(String... streams) {
            Checks.once(streamsSet, "streams", this.streams);
            Objects.requireNonNull(streams, "streams");
            if (streams.length == 0) {
                throw new IllegalArgumentException("streams must name at least one stream");
            }
            for (String s : streams) {
                Objects.requireNonNull(s, "stream");
                if (!STREAM.matcher(s).matches()) {
                    throw new IllegalArgumentException("streams: '" + s + "' is not a valid stream name (no"
                            + " whitespace, '.', '*', '>', '/' or '\\', at most 255 characters)");
                }
                if (!this.streams.add(s)) {
                    throw new IllegalArgumentException("streams: '" + s + "' is listed twice");
                }
            }
            streamsSet = true;
            return this;
        }

        /**
         * Rows per claim (default {@value OutboxRelay#DEFAULT_BATCH_SIZE}).
         *
         * @throws IllegalArgumentException when not 1 to 10,000
         * @throws IllegalStateException when set twice
         */
        public Builder batchSize(int batchSize) {
            Checks.once(batchSizeSet, "batchSize", this.batchSize);
            this.batchSize = Checks.range(batchSize, 1, 10_000, "batchSize");
            batchSizeSet = true;
            return this;
        }

        /**
         * Batches in flight at once (default {@value OutboxRelay#DEFAULT_PIPELINE_DEPTH}): the next batch is claimed
         * and sent while the PubAcks of the previous ones are outstanding. 1 turns pipelining off.
         *
         * @throws IllegalArgumentException when not 1 to 16
         * @throws IllegalStateException when set twice
         */
        public Builder pipelineDepth(int pipelineDepth) {
            Checks.once(pipelineDepthSet, "pipelineDepth", this.pipelineDepth);
            this.pipelineDepth = Checks.range(pipelineDepth, 1, 16, "pipelineDepth");
            pipelineDepthSet = true;
            return this;
        }

        /**
         * How long to wait for a PubAck before the attempt counts as timed out (default 5 s).
         *
         * @throws IllegalArgumentException when not positive or above 10 minutes
         * @throws IllegalStateException when set twice
         */
        public Builder publishTimeout(Duration publishTimeout) {
            Checks.once(publishTimeoutSet, "publishTimeout", this.publishTimeout);
            this.publishTimeout =
                    atMost(Checks.positive(publishTimeout, "publishTimeout"), Duration.ofMinutes(10), "publishTimeout");
            publishTimeoutSet = true;
            return this;
        }

        /**
         * Failed attempts after which a row is parked (default {@value OutboxRelay#DEFAULT_MAX_ATTEMPTS}). Only
         * failures that concern the row count (see {@link PublishFailure}).
         *
         * @throws IllegalArgumentException when not 1 to 1,000
         * @throws IllegalStateException when set twice
         */
        public Builder maxAttempts(int maxAttempts) {
            Checks.once(maxAttemptsSet, "maxAttempts", this.maxAttempts);
            this.maxAttempts = Checks.range(maxAttempts, 1, 1000, "maxAttempts");
            maxAttemptsSet = true;
            return this;
        }

        /**
         * The wait between failed attempts of a row (default {@link RetryBackoff#DEFAULT}).
         *
         * @throws IllegalStateException when set twice
         */
        public Builder retryBackoff(RetryBackoff retryBackoff) {
            Checks.once(retryBackoffSet, "retryBackoff", this.retryBackoff);
            this.retryBackoff = Objects.requireNonNull(retryBackoff, "retryBackoff");
            retryBackoffSet = true;
            return this;
        }

        /**
         * What to do when a stream's duplicate window is not longer than the retry horizon (default {@link
         * DuplicateWindowCheck#REFUSE}).
         *
         * @throws IllegalStateException when set twice
         */
        public Builder duplicateWindowCheck(DuplicateWindowCheck duplicateWindowCheck) {
            Checks.once(duplicateWindowCheckSet, "duplicateWindowCheck", this.duplicateWindowCheck);
            this.duplicateWindowCheck = Objects.requireNonNull(duplicateWindowCheck, "duplicateWindowCheck");
            duplicateWindowCheckSet = true;
            return this;
        }

        /**
         * The longest time after a row's first publish that this relay may publish it again, compared with each
         * stream's duplicate window (PUB-002). The default is the minimum the other settings imply: {@code
         * maxAttempts × publishTimeout + retryBackoff.maxTotal(maxAttempts − 1) + 2 × rebalanceInterval} (each
         * attempt may wait for its PubAck, the backoff waits between attempts, and a standby needs up to two rounds to
         * take over). Set it higher to include the outages you expect: an outage (NATS or PostgreSQL down, a network
         * cut) pauses the relay without consuming attempts, so a row in doubt when it began is re-published when it
         * ends; if that is later than the window, the stream stores it twice.
         *
         * @throws IllegalArgumentException when not positive
         * @throws IllegalStateException when set twice
         */
        public Builder retryHorizon(Duration retryHorizon) {
            Checks.once(this.retryHorizon != null, "retryHorizon", this.retryHorizon);
            this.retryHorizon = Checks.positive(retryHorizon, "retryHorizon");
            return this;
        }

        /**
         * How often the relay checks partition ownership: acquires free partitions, hands over extras to balance the
         * live relays (default 2 s). A standby takes over a dead relay's partitions within about one interval.
         *
         * @throws IllegalArgumentException when below 100 ms or above 1 minute
         * @throws IllegalStateException when set twice
         */
        public Builder rebalanceInterval(Duration rebalanceInterval) {
            Checks.once(rebalanceIntervalSet, "rebalanceInterval", this.rebalanceInterval);
            this.rebalanceInterval =
                    Checks.range(rebalanceInterval, Duration.ofMillis(100), Duration.ofMinutes(1), "rebalanceInterval");
            rebalanceIntervalSet = true;
            return this;
        }

        /**
         * The safety poll while asleep (default 30 s). Commits wake a sleeping relay through the notification channel
         * within milliseconds; this poll only covers notifications lost while the listening session reconnects, or an
         * outbox without the notify trigger.
         *
         * @throws IllegalArgumentException when below 10 ms or above 1 hour
         * @throws IllegalStateException when set twice
         */
        public Builder idlePollInterval(Duration idlePollInterval) {
            Checks.once(idlePollIntervalSet, "idlePollInterval", this.idlePollInterval);
            this.idlePollInterval =
                    Checks.range(idlePollInterval, Duration.ofMillis(10), Duration.ofHours(1), "idlePollInterval");
            idlePollIntervalSet = true;
            return this;
        }

        /**
         * How often the stats query refreshes backlog, lag, parked rows and the oldest open transaction (default 10
         * s).
         *
         * @throws IllegalArgumentException when below 100 ms or above 1 hour
         * @throws IllegalStateException when set twice
         */
        public Builder statsInterval(Duration statsInterval) {
            Checks.once(statsIntervalSet, "statsInterval", this.statsInterval);
            this.statsInterval =
                    Checks.range(statsInterval, Duration.ofMillis(100), Duration.ofHours(1), "statsInterval");
            statsIntervalSet = true;
            return this;
        }

        /**
         * The age of an open transaction in the outbox's database at which the relay warns that it holds back the
         * xmin horizon (default 5 min). Seeing other roles' transactions needs {@code pg_read_all_stats}.
         *
         * @throws IllegalArgumentException when not positive
         * @throws IllegalStateException when set twice
         */
        public Builder longTransactionThreshold(Duration longTransactionThreshold) {
            Checks.once(longTransactionThresholdSet, "longTransactionThreshold", this.longTransactionThreshold);
            this.longTransactionThreshold = Checks.positive(longTransactionThreshold, "longTransactionThreshold");
            longTransactionThresholdSet = true;
            return this;
        }

        /**
         * The socket timeout of the relay's PostgreSQL sessions (default 10 s): how long a silently cut connection
         * can hang a query before the relay gives it up (and, for the control session, its partitions).
         *
         * @throws IllegalArgumentException when below 1 s or above 1 hour
         * @throws IllegalStateException when set twice
         */
        public Builder dbNetworkTimeout(Duration dbNetworkTimeout) {
            Checks.once(dbNetworkTimeoutSet, "dbNetworkTimeout", this.dbNetworkTimeout);
            this.dbNetworkTimeout =
                    Checks.range(dbNetworkTimeout, Duration.ofSeconds(1), Duration.ofHours(1), "dbNetworkTimeout");
            dbNetworkTimeoutSet = true;
            return this;
        }

        /**
         * The clock for event times, retry due times and latency (default {@link Clock#systemUTC()}).
         *
         * @throws IllegalStateException when set twice
         */
        public Builder clock(Clock clock) {
            Checks.once(clockSet, "clock", this.clock);
            this.clock = Objects.requireNonNull(clock, "clock");
            clockSet = true;
            return this;
        }

        /**
         * Where the relay registers its meters (default: none are published). The registry is the caller's; the
         * relay removes its meters on close.
         *
         * @throws IllegalStateException when set twice
         */
        public Builder meterRegistry(MeterRegistry meterRegistry) {
            Checks.once(this.meterRegistry != null, "meterRegistry", this.meterRegistry);
            this.meterRegistry = Objects.requireNonNull(meterRegistry, "meterRegistry");
            return this;
        }

        /**
         * Adds a listener for {@link OutboxRelayEvent}s; may be called more than once, to add several.
         *
         * @throws IllegalArgumentException when the same listener is added twice
         */
        public Builder listener(OutboxRelayListener listener) {
            Objects.requireNonNull(listener, "listener");
            if (listeners.contains(listener)) {
                throw new IllegalArgumentException("listener " + listener + " was already added");
            }
            listeners.add(listener);
            return this;
        }

        /**
         * The relay (not started).
         *
         * @throws IllegalStateException when {@code batchSize × pipelineDepth} exceeds 50,000 rows in flight, when an
         *     explicit {@code retryHorizon} is shorter than the minimum the other settings imply, or when {@code
         *     longTransactionThreshold} is shorter than {@code statsInterval} (the warning could not be timely)
         */
        public OutboxRelay build() {
            Connection c = Objects.requireNonNull(connection, "connection");
            DataSource ds = Objects.requireNonNull(dataSource, "dataSource");
            if ((long) batchSize * pipelineDepth > MAX_IN_FLIGHT_ROWS) {
                throw new IllegalStateException("batchSize " + batchSize + " x pipelineDepth " + pipelineDepth + " = "
                        + (long) batchSize * pipelineDepth + " rows in flight, more than " + MAX_IN_FLIGHT_ROWS
                        + "; lower one of them");
            }
            if (wal != null) {
                String tableOnly = batchSizeSet
                        ? "batchSize"
                        : pipelineDepthSet
                                ? "pipelineDepth"
                                : rebalanceIntervalSet
                                        ? "rebalanceInterval"
                                        : idlePollIntervalSet
                                                ? "idlePollInterval"
                                                : longTransactionThresholdSet ? "longTransactionThreshold" : null;
                if (tableOnly != null) {
                    throw new IllegalStateException(tableOnly + " belongs to the table mode and has no effect with"
                            + " wal(...); remove " + tableOnly + "(...) (WAL mode: see WalSettings)");
                }
            }
            // WAL mode: a standby takes over within about one takeover interval, and up to one status interval of
            // acknowledged events is not yet confirmed when a relay dies
            Duration minimum = wal == null
                    ? RelayConfig.minimumHorizon(maxAttempts, publishTimeout, retryBackoff, rebalanceInterval)
                    : RelayConfig.minimumHorizon(maxAttempts, publishTimeout, retryBackoff, wal.getTakeoverInterval())
                            .plus(wal.getStatusInterval());
            Duration horizon = retryHorizon != null ? retryHorizon : minimum;
            if (horizon.compareTo(minimum) < 0) {
                throw new IllegalStateException("retryHorizon " + horizon + " is shorter than the " + minimum
                        + " that maxAttempts " + maxAttempts + ", publishTimeout " + publishTimeout + ", retryBackoff "
                        + retryBackoff + " and "
                        + (wal == null
                                ? "rebalanceInterval " + rebalanceInterval
                                : "the takeover and status intervals of " + wal)
                        + " allow; raise retryHorizon"
                        + " to at least " + minimum + " or shorten those settings");
            }
            if (wal == null && longTransactionThreshold.compareTo(statsInterval) < 0) {
                throw new IllegalStateException("longTransactionThreshold " + longTransactionThreshold
                        + " is shorter than statsInterval " + statsInterval + ", so the warning could come late by up"
                        + " to statsInterval; raise longTransactionThreshold or lower statsInterval");
            }
            String n = name != null
                    ? name
                    : "relay-" + ProcessHandle.current().pid() + "-"
                            + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000));
            RelayConfig config = new RelayConfig(
                    c,
                    ds,
                    tables,
                    n,
                    List.copyOf(streams),
                    batchSize,
                    pipelineDepth,
                    publishTimeout,
                    maxAttempts,
                    retryBackoff,
                    duplicateWindowCheck,
                    horizon,
                    rebalanceInterval,
                    idlePollInterval,
                    statsInterval,
                    longTransactionThreshold,
                    dbNetworkTimeout,
                    clock,
                    meterRegistry != null ? meterRegistry : new CompositeMeterRegistry(),
                    List.copyOf(listeners));
            return new OutboxRelay(config, wal);
        }

        private static Duration atMost(Duration value, Duration max, String name) {
            if (value.compareTo(max) > 0) {
                throw new IllegalArgumentException(name + " must be at most " + max + " but was " + value);
            }
            return value;
        }
    }
}
