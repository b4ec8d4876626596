package dev.jscontract.testing.semantics;

/**
 * The nats-server versions at which a behaviour of {@code docs/jetstream-semantics.md} changes, as used by
 * the semantics suite in {@code server.isAtLeast(...)}. Every boundary was read in the nats-server source (the tag
 * where the change first appears); the suite observes the behaviour on both sides where the matrix (2.9.10, 2.10.27,
 * 2.15.1) has a version there.
 */
final class Since {
    private Since() {}

    /**
     * B-19: a filter subject update rebuilds the consumer's filter state (wildcard flag, signal subscriptions); before,
     * a literal-to-wildcard update was accepted but matched nothing.
     */
    static final String FILTER_UPDATE_APPLIED = "2.9.12";

    /** B-20: the consumer create request's {@code action} (10148 / 10149) is honoured. */
    static final String CONSUMER_ACTION = "2.10.0";

    /**
     * B-01, B-15: a stream's {@code consumer_limits} ({@code max_ack_pending}, {@code inactive_threshold}) fill unset
     * consumer values and cap explicit ones (10121); unknown to, and dropped by, older servers.
     */
    static final String STREAM_CONSUMER_LIMITS = "2.10.0";

    /** B-21: {@code filter_subjects} and {@code metadata} are part of the consumer config (dropped before). */
    static final String FILTER_SUBJECTS_AND_METADATA = "2.10.0";

    /** B-11: {@code +TERM <reason>} terminates, and the MSG_TERMINATED advisory carries {@code reason}. */
    static final String TERM_WITH_REASON = "2.10.4";

    /** B-04: BackOff with MaxDeliver unset (-1) is accepted (nats-server PR #5242). */
    static final String BACKOFF_WITH_UNLIMITED_MAX_DELIVER = "2.10.14";

    /** B-12: {@code hasMaxDeliveries} runs at AckWait expiry, so {@code max_deliver=1} is detected without a pull. */
    static final String MAX_DELIVER_ONE_DETECTED_AT_EXPIRY = "2.10.22";

    /** B-04: BackOff with {@code MaxDeliver == len(BackOff)} is accepted (nats-server PR #6154). */
    static final String BACKOFF_LENGTH_EQUAL_TO_MAX_DELIVER = "2.10.23";

    /**
     * B-18: switching a pull consumer to push reports {@code can not update pull consumer to push based}; before,
     * the {@code max_waiting} check ran first and reported {@code max waiting can not be updated} (commit "Improve
     * error message when attempting to change consumer type").
     */
    static final String PULL_TO_PUSH_MESSAGE = "2.10.26";

    /** B-21, B-02: {@code pause_until}, {@code priority_groups}/{@code priority_policy}, and {@code pedantic}. */
    static final String PAUSE_PRIORITY_PEDANTIC = "2.11.0";

    /** B-01: the server adds {@code _nats.*} keys (API level, server version) to stream and consumer metadata. */
    static final String ASSET_VERSION_METADATA = "2.11.0";

    /** B-21: unknown JSON fields in API requests are rejected by default (10025; {@code jetstream { strict } }). */
    static final String STRICT_JSON_BY_DEFAULT = "2.12.0";

    /** B-21: {@code priority_groups} without a {@code priority_policy} is rejected (10196). */
    static final String PRIORITY_GROUPS_NEED_POLICY = "2.12.0";

    /** B-05: negative BackOff entries (10184) and a negative AckWait (10183) are rejected; accepted before. */
    static final String NEGATIVE_DURATIONS_REJECTED = "2.12.0";

    /** B-18: {@code mem_storage} can no longer be changed by an update (10012 "storage type can not be updated"). */
    static final String MEM_STORAGE_IMMUTABLE = "2.14.4";

    /** B-23: on a single server the expected-sequence headers are checked before the duplicate window. */
    static final String EXPECTED_SEQUENCE_BEFORE_DEDUPE = "2.12.0";
}
