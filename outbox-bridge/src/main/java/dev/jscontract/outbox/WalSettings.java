package dev.jscontract.outbox;

import dev.jscontract.contract.internal.Checks;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The outbox's WAL mode: events travel through PostgreSQL's write-ahead log instead of the outbox table. Given to
 * {@link OutboxWriter.Builder#wal(WalSettings)} and {@link OutboxRelay.Builder#wal(WalSettings)}, it switches both to
 * that mode; writer and relay must use the same {@linkplain #getPrefix() prefix}.
 *
 * <ul>
 *   <li>The writer emits each event with {@code pg_logical_emit_message(true, prefix, bytes)} inside the caller's
 *       transaction (no row; decoded only if the transaction commits). The bytes follow {@code
 *       docs/wal-event-format.md}; {@link OutboxSchema#installWal} installs a SQL function that writes them for
 *       writers in other languages.
 *   <li>The relay reads them in commit order from a logical replication slot ({@linkplain #getSlot() slot}, plugin
 *       {@code pgoutput} with {@code messages} on) on an empty {@linkplain #getPublication() publication}, publishes
 *       them with {@code Nats-Msg-Id} and confirms the slot's position only up to the last event whose PubAck, and
 *       every PubAck before it, has arrived.
 * </ul>
 *
 * <p>Needs PostgreSQL 14 or newer with {@code wal_level=logical}, and a relay role with the {@code REPLICATION}
 * attribute. One relay streams from a slot at a time; other relays with the same settings wait and take over when it
 * goes away (within about {@link #getTakeoverInterval()} after PostgreSQL notices, see the README's "WAL mode").
 *
 * <pre>{@code
 * WalSettings wal = WalSettings.builder().slot("orders_outbox").build();
 * OutboxSchema.installWal(dataSource, OutboxTables.defaults(), wal);   // publication, SQL function, parked table
 * OutboxWriter writer = OutboxWriter.builder().wal(wal).build();
 * OutboxRelay relay = OutboxRelay.builder().connection(nc).dataSource(dataSource).wal(wal).streams("ORDERS").build();
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class WalSettings {
    /** The default slot name. */
    public static final String DEFAULT_SLOT = "jsc_outbox";
    /** The default publication name. */
    public static final String DEFAULT_PUBLICATION = "jsc_outbox";
    /** The default message prefix. */
    public static final String DEFAULT_PREFIX = "jsc.outbox";
    /** The default wait between attempts of a standby to take over the slot. */
    public static final Duration DEFAULT_TAKEOVER_INTERVAL = Duration.ofSeconds(1);
    /** The default interval of status updates (the confirmed position) to PostgreSQL. */
    public static final Duration DEFAULT_STATUS_INTERVAL = Duration.ofSeconds(1);
    /** The default retained WAL above which the relay warns: 1 GiB. */
    public static final long DEFAULT_RETAINED_WAL_WARNING = 1L << 30;
    /** The default slot lag above which the relay warns: 256 MiB. */
    public static final long DEFAULT_LAG_WARNING = 1L << 28;
    /** The default number of events published but not yet acknowledged, at most. */
    public static final int DEFAULT_MAX_IN_FLIGHT = 1_000;

    private static final Pattern SLOT = Pattern.compile("[a-z0-9_]{1,63}");
    private static final Pattern IDENT = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");
    private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private final String slot;
    private final String publication;
    private final String prefix;
    private final Duration takeoverInterval;
    private final Duration statusInterval;
    private final long retainedWalWarning;
    private final long lagWarning;
    private final int maxInFlight;
    private final @Nullable String replicationUrl;

    private WalSettings(Builder b) {
        this.slot = b.slot;
        this.publication = b.publication;
        this.prefix = b.prefix;
        this.takeoverInterval = b.takeoverInterval;
        this.statusInterval = b.statusInterval;
        this.retainedWalWarning = b.retainedWalWarning;
        this.lagWarning = b.lagWarning;
        this.maxInFlight = b.maxInFlight;
        this.replicationUrl = b.replicationUrl;
    }

    /** The defaults: slot and publication {@value #DEFAULT_SLOT}, prefix {@value #DEFAULT_PREFIX}. */
    public static WalSettings defaults() {
        return builder().build();
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder with these settings, each of which may be set once more. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.slot = slot;
        b.publication = publication;
        b.prefix = prefix;
        b.takeoverInterval = takeoverInterval;
        b.statusInterval = statusInterval;
        b.retainedWalWarning = retainedWalWarning;
        b.lagWarning = lagWarning;
        b.maxInFlight = maxInFlight;
        b.replicationUrl = replicationUrl;
        return b;
    }

    /** The logical replication slot the relay streams from (created if missing). */
    public String getSlot() {
        return slot;
    }

    /** The publication named in the stream's options; an empty one is enough (only messages are read). */
    public String getPublication() {
        return publication;
    }

    /** The prefix of the logical decoding messages: the writer emits it, the relay reads only messages with it. */
    public String getPrefix() {
        return prefix;
    }

    /** How often a standby tries to take the slot over (and a relay retries after losing its stream). */
    public Duration getTakeoverInterval() {
        return takeoverInterval;
    }

    /** How often the relay reports its confirmed position to PostgreSQL. */
    public Duration getStatusInterval() {
        return statusInterval;
    }

    /**
     * WAL retained by the slot (bytes) above which the relay warns: a log line and a {@link
     * OutboxRelayEvent.WalSlotWarning}, once each time the value rises above it.
     */
    public long getRetainedWalWarning() {
        return retainedWalWarning;
    }

    /**
     * The slot's lag (bytes of WAL between the server's current position and the slot's confirmed one) above which
     * the relay warns: a log line and a {@link OutboxRelayEvent.WalSlotWarning}, once each time the value rises above
     * it.
     */
    public long getLagWarning() {
        return lagWarning;
    }

    /** Events published but not yet acknowledged, at most; the relay stops reading while that many are pending. */
    public int getMaxInFlight() {
        return maxInFlight;
    }

    /**
     * The JDBC URL of the replication connection, if given; otherwise the relay derives it from a pgjdbc data
     * source.
     */
    public @Nullable String getReplicationUrl() {
        return replicationUrl;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof WalSettings that)) {
            return false;
        }
        return retainedWalWarning == that.retainedWalWarning
                && lagWarning == that.lagWarning
                && maxInFlight == that.maxInFlight
                && slot.equals(that.slot)
                && publication.equals(that.publication)
                && prefix.equals(that.prefix)
                && takeoverInterval.equals(that.takeoverInterval)
                && statusInterval.equals(that.statusInterval)
                && Objects.equals(replicationUrl, that.replicationUrl);
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                slot,
                publication,
                prefix,
                takeoverInterval,
                statusInterval,
                retainedWalWarning,
                lagWarning,
                maxInFlight,
                replicationUrl);
    }

    @Override
    public String toString() {
        return "WalSettings{slot=" + slot + ", publication=" + publication + ", prefix=" + prefix
                + ", takeoverInterval=" + takeoverInterval + ", statusInterval=" + statusInterval
                + ", retainedWalWarning=" + retainedWalWarning + ", lagWarning=" + lagWarning + ", maxInFlight="
                + maxInFlight
                + (replicationUrl == null ? "" : ", replicationUrl=" + replicationUrl) + "}";
    }

    /** Builds {@link WalSettings}; each option may be set once. */
    public static final class Builder {
        private String slot = DEFAULT_SLOT;
        private boolean slotSet;
        private String publication = DEFAULT_PUBLICATION;
        private boolean publicationSet;
        private String prefix = DEFAULT_PREFIX;
        private boolean prefixSet;
        private Duration takeoverInterval = DEFAULT_TAKEOVER_INTERVAL;
        private boolean takeoverIntervalSet;
        private Duration statusInterval = DEFAULT_STATUS_INTERVAL;
        private boolean statusIntervalSet;
        private long retainedWalWarning = DEFAULT_RETAINED_WAL_WARNING;
        private boolean retainedWalWarningSet;
        private long lagWarning = DEFAULT_LAG_WARNING;
        private boolean lagWarningSet;
        private int maxInFlight = DEFAULT_MAX_IN_FLIGHT;
        private boolean maxInFlightSet;
        private @Nullable String replicationUrl;

        private Builder() {}

        /**
         * The replication slot's name (default {@value WalSettings#DEFAULT_SLOT}).
         *
         * @throws IllegalArgumentException when not 1 to 63 lower-case letters, digits or underscores (PostgreSQL's
         *     rule for slot names)
         * @throws IllegalStateException when set twice
         */
        public Builder slot(String slot) {
            Checks.once(slotSet, "slot", this.slot);
            Objects.requireNonNull(slot, "slot");
            if (!SLOT.matcher(slot).matches()) {
                throw new IllegalArgumentException("slot must be 1 to 63 lower-case letters, digits or underscores"
                        + " (PostgreSQL's rule for replication slot names) but was '" + slot + "'");
            }
            this.slot = slot;
            slotSet = true;
            return this;
        }

        /**
         * The publication's name (default {@value WalSettings#DEFAULT_PUBLICATION}).
         *
         * @throws IllegalArgumentException when not a plain SQL identifier (a letter or underscore, then letters,
         *     digits or underscores, at most 63)
         * @throws IllegalStateException when set twice
         */
        public Builder publication(String publication) {
            Checks.once(publicationSet, "publication", this.publication);
            Objects.requireNonNull(publication, "publication");
            if (!IDENT.matcher(publication).matches()) {
                throw new IllegalArgumentException("publication must be a plain SQL identifier (a letter or"
                        + " underscore, then letters, digits or underscores, at most 63) but was '" + publication
                        + "'");
            }
            this.publication = publication;
            publicationSet = true;
            return this;
        }

        /**
         * The logical decoding message prefix (default {@value WalSettings#DEFAULT_PREFIX}); give each outbox of a
         * database its own.
         *
         * @throws IllegalArgumentException when not 1 to 64 letters, digits, '.', '_' or '-'
         * @throws IllegalStateException when set twice
         */
        public Builder prefix(String prefix) {
            Checks.once(prefixSet, "prefix", this.prefix);
            Objects.requireNonNull(prefix, "prefix");
            if (!PREFIX.matcher(prefix).matches()) {
                throw new IllegalArgumentException(
                        "prefix must be 1 to 64 letters, digits, '.', '_' or '-' but was '" + prefix + "'");
            }
            this.prefix = prefix;
            prefixSet = true;
            return this;
        }

        /**
         * How often a standby relay tries to take the slot (default 1 s). Takeover after a relay dies takes about
         * this long once PostgreSQL has ended the dead relay's session (at once for a crashed process, up to {@code
         * wal_sender_timeout} for a silent network cut).
         *
         * @throws IllegalArgumentException when below 50 ms or above 1 minute
         * @throws IllegalStateException when set twice
         */
        public Builder takeoverInterval(Duration takeoverInterval) {
            Checks.once(takeoverIntervalSet, "takeoverInterval", this.takeoverInterval);
            this.takeoverInterval =
                    Checks.range(takeoverInterval, Duration.ofMillis(50), Duration.ofMinutes(1), "takeoverInterval");
            takeoverIntervalSet = true;
            return this;
        }

        /**
         * How often the relay reports its confirmed position (default 1 s). After a crash, the events acknowledged
         * since the last report are read and published again (the duplicate window drops them).
         *
         * @throws IllegalArgumentException when below 10 ms or above 1 minute
         * @throws IllegalStateException when set twice
         */
        public Builder statusInterval(Duration statusInterval) {
            Checks.once(statusIntervalSet, "statusInterval", this.statusInterval);
            this.statusInterval =
                    Checks.range(statusInterval, Duration.ofMillis(10), Duration.ofMinutes(1), "statusInterval");
            statusIntervalSet = true;
            return this;
        }

        /**
         * Retained WAL in bytes above which the relay warns (default 1 GiB): WAL the slot keeps on the server's disk
         * (the server's current position minus the slot's {@code restart_lsn}). The relay checks it every {@code
         * statsInterval}, logs a warning and emits {@link OutboxRelayEvent.WalSlotWarning} when it rises above, and
         * warns again only after it has fallen back to or below the threshold. Every relay of the slot warns,
         * standbys too.
         *
         * @throws IllegalArgumentException when not positive
         * @throws IllegalStateException when set twice
         */
        public Builder retainedWalWarning(long bytes) {
            Checks.once(retainedWalWarningSet, "retainedWalWarning", this.retainedWalWarning);
            if (bytes <= 0) {
                throw new IllegalArgumentException("retainedWalWarning must be positive but was " + bytes);
            }
            this.retainedWalWarning = bytes;
            retainedWalWarningSet = true;
            return this;
        }

        /**
         * Slot lag in bytes above which the relay warns (default 256 MiB): WAL between the server's current position
         * and the slot's confirmed position, i.e. how far the relay is behind the writers (other tables' writes
         * count too). A relay that keeps up stays below what the database writes in about a status interval plus a
         * stats interval. Checked every {@code statsInterval}; the relay logs a warning and emits {@link
         * OutboxRelayEvent.WalSlotWarning} when the lag rises above, and warns again only after it has fallen back to
         * or below the threshold. Every relay of the slot warns, standbys too.
         *
         * @throws IllegalArgumentException when not positive
         * @throws IllegalStateException when set twice
         */
        public Builder lagWarning(long bytes) {
            Checks.once(lagWarningSet, "lagWarning", this.lagWarning);
            if (bytes <= 0) {
                throw new IllegalArgumentException("lagWarning must be positive but was " + bytes);
            }
            this.lagWarning = bytes;
            lagWarningSet = true;
            return this;
        }

        /**
         * Events published and not yet acknowledged, at most (default {@value WalSettings#DEFAULT_MAX_IN_FLIGHT}). It
         * also bounds how far commit order can be broken when the NATS connection breaks: events lost with the socket
         * are published again after the reconnect, behind the later events jnats had queued but not yet written (in
         * {@code WalRelayIT} up to 88 positions; see {@code docs/decisions/outbox-wal-order-across-reconnects.md}).
         *
         * @throws IllegalArgumentException when not 1 to 100,000
         * @throws IllegalStateException when set twice
         */
        public Builder maxInFlight(int maxInFlight) {
            Checks.once(maxInFlightSet, "maxInFlight", this.maxInFlight);
            this.maxInFlight = Checks.range(maxInFlight, 1, 100_000, "maxInFlight");
            maxInFlightSet = true;
            return this;
        }

        /**
         * The JDBC URL for the replication connection (the relay adds {@code replication=database} and simple query
         * mode). Needed only when the relay's data source is not a pgjdbc data source it can read the URL from.
         *
         * @throws IllegalArgumentException when it does not start with {@code jdbc:postgresql:}
         * @throws IllegalStateException when set twice
         */
        public Builder replicationUrl(String replicationUrl) {
            Checks.once(this.replicationUrl != null, "replicationUrl", this.replicationUrl);
            Objects.requireNonNull(replicationUrl, "replicationUrl");
            if (!replicationUrl.startsWith("jdbc:postgresql:")) {
                throw new IllegalArgumentException(
                        "replicationUrl must start with jdbc:postgresql: but was '" + replicationUrl + "'");
            }
            this.replicationUrl = replicationUrl;
            return this;
        }

        /** The settings. */
        public WalSettings build() {
            return new WalSettings(this);
        }
    }
}
