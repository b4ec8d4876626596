package dev.jscontract.contract.internal;

import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The JSON shape of a contract file (format 1), read by Jackson with unknown fields refused. Durations and times are
 * strings, parsed by {@code ContractJson} so that errors name the field.
 */
public record ContractDto(
        @Nullable Integer format,
        @Nullable String stream,
        @Nullable String durable,
        @Nullable String ackWait,
        @Nullable Integer maxDeliver,
        @Nullable BackoffDto backoff,
        @Nullable DeadLetterDto deadLetter,
        @Nullable List<String> filterSubjects,
        @Nullable Integer maxAckPending,
        @Nullable Integer concurrency,
        @Nullable Integer batchSize,
        @Nullable Integer instances,
        @Nullable String expectedP99,
        @Nullable String heartbeatInterval,
        @Nullable Boolean heartbeats,
        @Nullable String maxProcessingTime,
        @Nullable String deliverPolicy,
        @Nullable Long startSequence,
        @Nullable String startTime,
        @Nullable String description,
        @Nullable Map<String, String> metadata,
        @Nullable List<String> serverBackoff,
        @Nullable String pauseUntil,
        @Nullable List<String> priorityGroups,
        @Nullable String priorityPolicy,
        @Nullable Map<String, String> suppress,
        @Nullable Map<String, String> escalate) {

    /** The JSON shape of a backoff. */
    public record BackoffDto(
            @Nullable String type,
            @Nullable String delay,
            @Nullable String initial,
            @Nullable Double multiplier,
            @Nullable String max,
            @Nullable List<String> delays,
            @Nullable Double jitter) {}

    /** The JSON shape of a dead-letter policy. */
    public record DeadLetterDto(
            @Nullable String type,
            @Nullable String subject,
            @Nullable String stream,
            @Nullable List<String> streamSubjects,
            @Nullable String maxAge,
            @Nullable Integer replicas,
            @Nullable String advisoryStream) {}
}
