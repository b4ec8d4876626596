package dev.jscontract.spring.boot.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * The {@code jscontract.*} properties. Every property is optional; defaults are named on each field. Values are
 * checked when the beans that use them are created, and a bad value fails the start with a message naming the
 * property (for example {@code jscontract.nats.max-reconnects}), its value and what is accepted.
 */
@ConfigurationProperties("jscontract")
public class JsContractProperties {
    private final Nats nats = new Nats();
    private final Consumer consumer = new Consumer();
    /** Settings per consumer, keyed by the contract's name, e.g. {@code jscontract.consumers.billing.circuit-breaker}. */
    private final Map<String, ConsumerOptions> consumers = new LinkedHashMap<>();

    /** Contracts declared in properties, keyed by name, e.g. {@code jscontract.contracts.billing.stream}. */
    private final Map<String, ContractDefinition> contracts = new LinkedHashMap<>();

    private final Outbox outbox = new Outbox();

    /** The NATS connection. */
    public Nats getNats() {
        return nats;
    }

    /** Settings for every contract consumer. */
    public Consumer getConsumer() {
        return consumer;
    }

    /** Settings per consumer, keyed by the contract's name (its bean name, or the key under {@code contracts}). */
    public Map<String, ConsumerOptions> getConsumers() {
        return consumers;
    }

    /** Contracts declared in properties, keyed by name; the same fields as {@code ConsumerContract.builder()}. */
    public Map<String, ContractDefinition> getContracts() {
        return contracts;
    }

    /** The transactional outbox. */
    public Outbox getOutbox() {
        return outbox;
    }

    /** {@code jscontract.nats.*}: the jnats {@code Connection} the starter creates unless the application has one. */
    public static class Nats {
        /** Server URLs, e.g. {@code nats://10.0.0.1:4222}. */
        private List<String> servers = new ArrayList<>(List.of("nats://localhost:4222"));

        /** The connection name the server shows in its monitoring. Default: {@code spring.application.name}. */
        private @Nullable String connectionName;

        /** A credentials file (JWT and seed), as made by {@code nsc}. */
        private @Nullable Path credentials;

        /** A file holding an nkey user seed (a line starting with {@code SU}). */
        private @Nullable Path nkey;

        /** User name for user/password authentication. */
        private @Nullable String username;

        /** Password for user/password authentication. */
        private @Nullable String password;

        /** Token authentication. */
        private @Nullable String token;

        /** The name of a Spring Boot SSL bundle ({@code spring.ssl.bundle.*}) that supplies TLS. */
        private @Nullable String sslBundle;

        /** Reconnect attempts after a connection loss; -1 (the default) means unlimited. */
        private int maxReconnects = -1;

        /** The wait between reconnect attempts to the same server. */
        private Duration reconnectWait = Duration.ofSeconds(2);

        /** How long the first connect (and each reconnect) may take. */
        private Duration connectionTimeout = Duration.ofSeconds(5);

        public List<String> getServers() {
            return servers;
        }

        public void setServers(List<String> servers) {
            this.servers = servers;
        }

        public @Nullable String getConnectionName() {
            return connectionName;
        }

        public void setConnectionName(@Nullable String connectionName) {
            this.connectionName = connectionName;
        }

        public @Nullable Path getCredentials() {
            return credentials;
        }

        public void setCredentials(@Nullable Path credentials) {
            this.credentials = credentials;
        }

        public @Nullable Path getNkey() {
            return nkey;
        }

        public void setNkey(@Nullable Path nkey) {
            this.nkey = nkey;
        }

        public @Nullable String getUsername() {
            return username;
        }

        public void setUsername(@Nullable String username) {
            this.username = username;
        }

        public @Nullable String getPassword() {
            return password;
        }

        public void setPassword(@Nullable String password) {
            this.password = password;
        }

        public @Nullable String getToken() {
            return token;
        }

        public void setToken(@Nullable String token) {
            this.token = token;
        }

        public @Nullable String getSslBundle() {
            return sslBundle;
        }

        public void setSslBundle(@Nullable String sslBundle) {
            this.sslBundle = sslBundle;
        }

        public int getMaxReconnects() {
            return maxReconnects;
        }

        public void setMaxReconnects(int maxReconnects) {
            this.maxReconnects = maxReconnects;
        }

        public Duration getReconnectWait() {
            return reconnectWait;
        }

        public void setReconnectWait(Duration reconnectWait) {
            this.reconnectWait = reconnectWait;
        }

        public Duration getConnectionTimeout() {
            return connectionTimeout;
        }

        public void setConnectionTimeout(Duration connectionTimeout) {
            this.connectionTimeout = connectionTimeout;
        }
    }

    /** {@code jscontract.consumer.*}: settings for every consumer. */
    public static class Consumer {
        /**
         * Whether a consumer that cannot start (lint errors, drift, refused provisioning) fails the application start.
         * When false, the failure is logged, the consumer stays FAILED and its health is DOWN.
         */
        private boolean failFast = true;

        /** Whether consumers start with the application context. */
        private boolean autoStartup = true;

        /**
         * How long each pull waits at the server (1 s to 5 min). Draining an idle consumer takes up to this long.
         */
        private Duration pullExpiry = Duration.ofSeconds(5);

        public boolean isFailFast() {
            return failFast;
        }

        public void setFailFast(boolean failFast) {
            this.failFast = failFast;
        }

        public boolean isAutoStartup() {
            return autoStartup;
        }

        public void setAutoStartup(boolean autoStartup) {
            this.autoStartup = autoStartup;
        }

        public Duration getPullExpiry() {
            return pullExpiry;
        }

        public void setPullExpiry(Duration pullExpiry) {
            this.pullExpiry = pullExpiry;
        }
    }

    /** {@code jscontract.consumers.<name>.*}: settings for one consumer. */
    public static class ConsumerOptions {
        /** The name of a Resilience4j circuit breaker (from the application's {@code CircuitBreakerRegistry}). */
        private @Nullable String circuitBreaker;

        public @Nullable String getCircuitBreaker() {
            return circuitBreaker;
        }

        public void setCircuitBreaker(@Nullable String circuitBreaker) {
            this.circuitBreaker = circuitBreaker;
        }
    }

    /**
     * {@code jscontract.contracts.<name>.*}: a contract declared in properties. {@code stream}, {@code durable},
     * {@code ack-wait}, {@code max-deliver}, {@code backoff.*} and {@code dead-letter.*} are required, as in the
     * builder.
     */
    public static class ContractDefinition {
        /** The stream (required). */
        private @Nullable String stream;

        /** The durable consumer name (required). */
        private @Nullable String durable;

        /** The ack deadline of each delivery (required). */
        private @Nullable Duration ackWait;

        /** Deliveries before the message is dead-lettered (required). */
        private @Nullable Integer maxDeliver;

        /** Filter subjects (optional; default: the whole stream). */
        private List<String> filterSubjects = new ArrayList<>();

        /** The retry backoff (required). */
        private final BackoffDefinition backoff = new BackoffDefinition();

        /** Where dead letters go (required). */
        private final DeadLetterDefinition deadLetter = new DeadLetterDefinition();

        /** Handler threads (optional). */
        private @Nullable Integer concurrency;

        /** Max ack pending (optional). */
        private @Nullable Integer maxAckPending;

        /** Maximum processing time of one attempt (optional). */
        private @Nullable Duration maxProcessingTime;

        /** Description on the server (optional). */
        private @Nullable String description;

        public @Nullable String getStream() {
            return stream;
        }

        public void setStream(@Nullable String stream) {
            this.stream = stream;
        }

        public @Nullable String getDurable() {
            return durable;
        }

        public void setDurable(@Nullable String durable) {
            this.durable = durable;
        }

        public @Nullable Duration getAckWait() {
            return ackWait;
        }

        public void setAckWait(@Nullable Duration ackWait) {
            this.ackWait = ackWait;
        }

        public @Nullable Integer getMaxDeliver() {
            return maxDeliver;
        }

        public void setMaxDeliver(@Nullable Integer maxDeliver) {
            this.maxDeliver = maxDeliver;
        }

        public List<String> getFilterSubjects() {
            return filterSubjects;
        }

        public void setFilterSubjects(List<String> filterSubjects) {
            this.filterSubjects = filterSubjects;
        }

        public BackoffDefinition getBackoff() {
            return backoff;
        }

        public DeadLetterDefinition getDeadLetter() {
            return deadLetter;
        }

        public @Nullable Integer getConcurrency() {
            return concurrency;
        }

        public void setConcurrency(@Nullable Integer concurrency) {
            this.concurrency = concurrency;
        }

        public @Nullable Integer getMaxAckPending() {
            return maxAckPending;
        }

        public void setMaxAckPending(@Nullable Integer maxAckPending) {
            this.maxAckPending = maxAckPending;
        }

        public @Nullable Duration getMaxProcessingTime() {
            return maxProcessingTime;
        }

        public void setMaxProcessingTime(@Nullable Duration maxProcessingTime) {
            this.maxProcessingTime = maxProcessingTime;
        }

        public @Nullable String getDescription() {
            return description;
        }

        public void setDescription(@Nullable String description) {
            this.description = description;
        }
    }

    /** The retry backoff of a contract in properties. */
    public static class BackoffDefinition {
        /** {@code fixed}, {@code exponential}, {@code list} or {@code none} (required). */
        private @Nullable String type;

        /** The delay ({@code fixed}) or the first delay ({@code exponential}). */
        private @Nullable Duration initial;

        /** The growth factor ({@code exponential}). */
        private double multiplier = 2.0;

        /** The largest delay ({@code exponential}). */
        private @Nullable Duration max;

        /** The delays ({@code list}). */
        private List<Duration> delays = new ArrayList<>();

        public @Nullable String getType() {
            return type;
        }

        public void setType(@Nullable String type) {
            this.type = type;
        }

        public @Nullable Duration getInitial() {
            return initial;
        }

        public void setInitial(@Nullable Duration initial) {
            this.initial = initial;
        }

        public double getMultiplier() {
            return multiplier;
        }

        public void setMultiplier(double multiplier) {
            this.multiplier = multiplier;
        }

        public @Nullable Duration getMax() {
            return max;
        }

        public void setMax(@Nullable Duration max) {
            this.max = max;
        }

        public List<Duration> getDelays() {
            return delays;
        }

        public void setDelays(List<Duration> delays) {
            this.delays = delays;
        }
    }

    /** The dead-letter policy of a contract in properties. */
    public static class DeadLetterDefinition {
        /** The dead-letter subject; {@code default} means {@code DeadLetterPolicy.toDefaultSubject()} (required). */
        private @Nullable String subject;

        public @Nullable String getSubject() {
            return subject;
        }

        public void setSubject(@Nullable String subject) {
            this.subject = subject;
        }
    }

    /** {@code jscontract.outbox.*}: the transactional outbox on the application's {@code DataSource}. */
    public static class Outbox {
        /** Whether the outbox is configured at all (needs a DataSource). */
        private boolean enabled = true;

        /** The outbox table; the parked and meta tables are named after it. */
        private String table = "outbox";

        /** The schema holding the tables (default: the connection's search path). */
        private @Nullable String schema;

        /**
         * How events travel: {@code table} (rows in the outbox table, any PostgreSQL) or {@code wal} (logical decoding
         * messages in the write-ahead log, PostgreSQL 14+ with {@code wal_level=logical}; settings under {@code
         * jscontract.outbox.wal.*}). Switches the writer, the relay and the schema installed at start together.
         */
        private String mode = "table";

        private final Schema schemaInstall = new Schema();
        private final Relay relay = new Relay();
        private final Wal wal = new Wal();

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public String getTable() {
            return table;
        }

        public void setTable(String table) {
            this.table = table;
        }

        public @Nullable String getSchema() {
            return schema;
        }

        public void setSchema(@Nullable String schema) {
            this.schema = schema;
        }

        /** {@code jscontract.outbox.initialize-schema.*}. */
        public Schema getInitializeSchema() {
            return schemaInstall;
        }

        public Relay getRelay() {
            return relay;
        }

        public String getMode() {
            return mode;
        }

        public void setMode(String mode) {
            this.mode = mode;
        }

        /** {@code jscontract.outbox.wal.*}. */
        public Wal getWal() {
            return wal;
        }
    }

    /** {@code jscontract.outbox.initialize-schema.*}: installing the outbox tables at start. */
    public static class Schema {
        /** Whether the tables are installed (idempotently) at start; turn off when Flyway/Liquibase owns them. */
        private boolean enabled = true;

        /** Partitions, fixed at the first install (1 to 1024). */
        private int partitions = 16;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public int getPartitions() {
            return partitions;
        }

        public void setPartitions(int partitions) {
            this.partitions = partitions;
        }
    }

    /** {@code jscontract.outbox.relay.*}: the relay that publishes committed rows. */
    public static class Relay {
        /** Whether this application runs a relay. */
        private boolean enabled = false;

        /** The relay's name (default: generated). */
        private @Nullable String name;

        /** Streams checked at start for their duplicate window (PUB-002). */
        private List<String> streams = new ArrayList<>();

        /** The age of the oldest unpublished row above which the relay's health is DOWN (table mode only). */
        private Duration lagThreshold = Duration.ofMinutes(1);

        /**
         * In WAL mode (jscontract.outbox.mode=wal), the replication slot's lag (WAL written since the position the
         * relay confirmed) above which the relay's health is DOWN; lag-threshold, the age of the oldest row, applies to
         * the table mode only. The default, 1GB, matches jscontract.outbox.wal.retained-wal-warning's, at which the
         * relay logs a warning: a slot retains at least the WAL it lags.
         */
        private DataSize walLagThreshold = DataSize.ofGigabytes(1);

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public @Nullable String getName() {
            return name;
        }

        public void setName(@Nullable String name) {
            this.name = name;
        }

        public List<String> getStreams() {
            return streams;
        }

        public void setStreams(List<String> streams) {
            this.streams = streams;
        }

        public Duration getLagThreshold() {
            return lagThreshold;
        }

        public void setLagThreshold(Duration lagThreshold) {
            this.lagThreshold = lagThreshold;
        }

        public DataSize getWalLagThreshold() {
            return walLagThreshold;
        }

        public void setWalLagThreshold(DataSize walLagThreshold) {
            this.walLagThreshold = walLagThreshold;
        }
    }

    /**
     * {@code jscontract.outbox.wal.*}: the WAL mode's settings ({@code WalSettings}), used when {@code
     * jscontract.outbox.mode=wal}. Writer and relay of one outbox must agree on them.
     */
    public static class Wal {
        /** The logical replication slot the relay streams from; created by the relay if missing. */
        private String slot = "jsc_outbox";

        /** The (empty) publication named in the replication stream's options; created by the schema install. */
        private String publication = "jsc_outbox";

        /** The prefix of the logical decoding messages; give each outbox of a database its own. */
        private String prefix = "jsc.outbox";

        /** How often a standby relay tries to take the slot over (50 ms to 1 min). */
        private Duration takeoverInterval = Duration.ofSeconds(1);

        /** How often the relay reports its confirmed position to PostgreSQL (10 ms to 1 min). */
        private Duration statusInterval = Duration.ofSeconds(1);

        /** WAL retained by the slot above which the relay logs a warning. */
        private DataSize retainedWalWarning = DataSize.ofGigabytes(1);

        /** Events published but not yet acknowledged, at most (1 to 100,000). */
        private int maxInFlight = 1000;

        /**
         * The JDBC URL of the relay's replication session, e.g. {@code
         * jdbc:postgresql://db:5432/app?user=relay&password=...}. Default: host, port, database and user of the
         * DataSource's sessions, without a password; set it with password authentication.
         */
        private @Nullable String replicationUrl;

        public String getSlot() {
            return slot;
        }

        public void setSlot(String slot) {
            this.slot = slot;
        }

        public String getPublication() {
            return publication;
        }

        public void setPublication(String publication) {
            this.publication = publication;
        }

        public String getPrefix() {
            return prefix;
        }

        public void setPrefix(String prefix) {
            this.prefix = prefix;
        }

        public Duration getTakeoverInterval() {
            return takeoverInterval;
        }

        public void setTakeoverInterval(Duration takeoverInterval) {
            this.takeoverInterval = takeoverInterval;
        }

        public Duration getStatusInterval() {
            return statusInterval;
        }

        public void setStatusInterval(Duration statusInterval) {
            this.statusInterval = statusInterval;
        }

        public DataSize getRetainedWalWarning() {
            return retainedWalWarning;
        }

        public void setRetainedWalWarning(DataSize retainedWalWarning) {
            this.retainedWalWarning = retainedWalWarning;
        }

        public int getMaxInFlight() {
            return maxInFlight;
        }

        public void setMaxInFlight(int maxInFlight) {
            this.maxInFlight = maxInFlight;
        }

        public @Nullable String getReplicationUrl() {
            return replicationUrl;
        }

        public void setReplicationUrl(@Nullable String replicationUrl) {
            this.replicationUrl = replicationUrl;
        }
    }
}
