package dev.jscontract.contract;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jscontract.contract.internal.ContractDto;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.PriorityPolicy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Reads and writes contracts as JSON, so the CLI can lint and explain contract files. Durations are ISO-8601
 * ({@code PT30S}, {@code P14D}); unknown fields are an error; errors name the line and field.
 *
 * <pre>{@code
 * {
 *   "format": 1,
 *   "stream": "ORDERS",
 *   "durable": "billing",
 *   "ackWait": "PT30S",
 *   "maxDeliver": 5,
 *   "backoff": { "type": "exponential", "initial": "PT1S", "multiplier": 2.0, "max": "PT1M", "jitter": 0.2 },
 *   "deadLetter": { "subject": "dlq.ORDERS.billing", "maxAge": "P14D" },
 *   "filterSubjects": ["orders.created"],
 *   "maxAckPending": 64,
 *   "concurrency": 8,
 *   "expectedP99": "PT2S",
 *   "maxProcessingTime": "PT2M",
 *   "suppress": { "HB-002": "handlers are bounded by their own timeouts" }
 * }
 * }</pre>
 *
 * <p>The full format is in {@code docs/contract-json.md}. Backoff types: {@code none}, {@code fixed} ({@code
 * delay}), {@code exponential} ({@code initial}, {@code multiplier}, {@code max}), {@code list} ({@code delays});
 * each may have {@code jitter}. Dead letter: {@code {"type": "none"}}, or any of {@code subject}, {@code stream},
 * {@code streamSubjects}, {@code maxAge}, {@code replicas}, {@code advisoryStream} ({@code {}} is the default
 * subject). {@code maxDeliver: -1} is unlimited.
 */
public final class ContractJson {
    /** The format version this class reads and writes. */
    public static final int FORMAT = 1;

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(SerializationFeature.INDENT_OUTPUT);

    private ContractJson() {}

    /**
     * Reads a contract from a file.
     *
     * @throws ContractFormatException when the file is not a valid contract (message: file, line, field, fix)
     * @throws UncheckedIOException when the file cannot be read
     */
    public static ConsumerContract read(Path file) {
        Objects.requireNonNull(file, "file");
        String json;
        try {
            json = Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read contract file " + file + ": " + e.getMessage(), e);
        }
        return read(json, file.toString());
    }

    /**
     * Reads a contract from JSON text.
     *
     * @throws ContractFormatException when the text is not a valid contract
     */
    public static ConsumerContract read(String json) {
        return read(json, "contract JSON");
    }

    private static ConsumerContract read(String json, String source) {
        Objects.requireNonNull(json, "json");
        ContractDto dto;
        try {
            dto = MAPPER.readValue(json, ContractDto.class);
        } catch (UnrecognizedPropertyException e) {
            String field = path(e);
            int line = locate(json, field);
            throw new ContractFormatException(
                    (line > 0 ? source + ", line " + line : where(source, e.getLocation())) + ": unknown field '"
                            + field + "'; known fields here: "
                            + e.getKnownPropertyIds().stream()
                                    .map(Object::toString)
                                    .sorted()
                                    .collect(Collectors.joining(", ")),
                    field,
                    line > 0 ? line : line(e.getLocation()),
                    e);
        } catch (MismatchedInputException e) {
            String field = path(e);
            throw new ContractFormatException(
                    where(source, e.getLocation()) + ": field '" + field + "' has the wrong type: "
                            + e.getOriginalMessage().replaceAll("\\s*\\n.*", ""),
                    field,
                    line(e.getLocation()),
                    e);
        } catch (JsonProcessingException e) {
            throw new ContractFormatException(
                    where(source, e.getLocation()) + ": malformed JSON: " + e.getOriginalMessage(),
                    null,
                    line(e.getLocation()),
                    e);
        }
        if (dto == null) {
            throw new ContractFormatException(source + ": empty document; expected a JSON object", null, 1, null);
        }
        return new Reader(json, source).toContract(dto);
    }

    /** Writes a contract as JSON (only options that are set; ISO-8601 durations). */
    public static String write(ConsumerContract c) {
        Objects.requireNonNull(c, "contract");
        ObjectNode n = MAPPER.createObjectNode();
        n.put("format", FORMAT);
        n.put("stream", c.getStream());
        n.put("durable", c.getDurable());
        n.put("ackWait", c.getAckWait().toString());
        n.put("maxDeliver", c.getMaxDeliver());
        n.set("backoff", backoff(c.getBackoff()));
        n.set("deadLetter", deadLetter(c.getDeadLetterPolicy()));
        if (!c.getFilterSubjects().isEmpty()) {
            ArrayNode a = n.putArray("filterSubjects");
            c.getFilterSubjects().forEach(a::add);
        }
        c.getMaxAckPending().ifPresent(v -> n.put("maxAckPending", v));
        c.getConcurrency().ifPresent(v -> n.put("concurrency", v));
        c.getBatchSize().ifPresent(v -> n.put("batchSize", v));
        c.getInstances().ifPresent(v -> n.put("instances", v));
        c.getExpectedP99().ifPresent(v -> n.put("expectedP99", v.toString()));
        c.getHeartbeatInterval().ifPresent(v -> n.put("heartbeatInterval", v.toString()));
        if (!c.hasHeartbeats()) {
            n.put("heartbeats", false);
        }
        c.getMaxProcessingTime().ifPresent(v -> n.put("maxProcessingTime", v.toString()));
        if (c.getDeliverPolicy() != DeliverPolicy.All) {
            n.put("deliverPolicy", c.getDeliverPolicy().toString());
        }
        c.getStartSequence().ifPresent(v -> n.put("startSequence", v));
        c.getStartTime().ifPresent(v -> n.put("startTime", v.toString()));
        c.getDescription().ifPresent(v -> n.put("description", v));
        if (!c.getMetadata().isEmpty()) {
            ObjectNode m = n.putObject("metadata");
            c.getMetadata().forEach(m::put);
        }
        if (c.hasServerBackoff()) {
            ArrayNode a = n.putArray("serverBackoff");
            c.getServerBackoff().forEach(d -> a.add(d.toString()));
        }
        c.getPauseUntil().ifPresent(v -> n.put("pauseUntil", v.toString()));
        if (!c.getPriorityGroups().isEmpty()) {
            ArrayNode a = n.putArray("priorityGroups");
            c.getPriorityGroups().forEach(a::add);
        }
        c.getPriorityPolicy().ifPresent(v -> n.put("priorityPolicy", v.toString()));
        if (!c.getSuppressions().isEmpty()) {
            ObjectNode s = n.putObject("suppress");
            c.getSuppressions().forEach(s::put);
        }
        if (!c.getEscalations().isEmpty()) {
            ObjectNode s = n.putObject("escalate");
            c.getEscalations().forEach((k, v) -> s.put(k, v.label()));
        }
        try {
            return MAPPER.writeValueAsString(n) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize contract: " + e.getMessage(), e);
        }
    }

    private static ObjectNode backoff(Backoff b) {
        ObjectNode n = MAPPER.createObjectNode();
        switch (b.getKind()) {
            case NONE -> n.put("type", "none");
            case FIXED -> {
                n.put("type", "fixed");
                n.put("delay", b.getDelays().get(0).toString());
            }
            case EXPONENTIAL -> {
                n.put("type", "exponential");
                n.put("initial", b.getDelays().get(0).toString());
                n.put("multiplier", b.getMultiplier());
                n.put("max", b.getMax().toString());
            }
            case LIST -> {
                n.put("type", "list");
                ArrayNode a = n.putArray("delays");
                b.getDelays().forEach(d -> a.add(d.toString()));
            }
        }
        if (b.getJitter() != 0) {
            n.put("jitter", b.getJitter());
        }
        return n;
    }

    private static ObjectNode deadLetter(DeadLetterPolicy p) {
        ObjectNode n = MAPPER.createObjectNode();
        if (!p.isEnabled()) {
            n.put("type", "none");
            return n;
        }
        p.getSubject().ifPresent(v -> n.put("subject", v));
        p.getStream().ifPresent(v -> n.put("stream", v));
        p.getStreamSubjects().ifPresent(v -> {
            ArrayNode a = n.putArray("streamSubjects");
            v.forEach(a::add);
        });
        p.getMaxAge().ifPresent(v -> n.put("maxAge", v.toString()));
        p.getReplicas().ifPresent(v -> n.put("replicas", v));
        p.getAdvisoryStream().ifPresent(v -> n.put("advisoryStream", v));
        return n;
    }

    private static String path(JsonMappingException e) {
        return e.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining("."))
                .replace(".[", "[");
    }

    private static String where(String source, @Nullable JsonLocation loc) {
        return loc == null || loc.getLineNr() < 1
                ? source
                : source + ", line " + loc.getLineNr() + ", column " + loc.getColumnNr();
    }

    private static int line(@Nullable JsonLocation loc) {
        return loc == null ? -1 : loc.getLineNr();
    }

    /** Turns the DTO into a contract, naming the field (and its line) when a value is rejected. */
    private static final class Reader {
        private final String json;
        private final String source;

        Reader(String json, String source) {
            this.json = json;
            this.source = source;
        }

        ConsumerContract toContract(ContractDto d) {
            if (d.format() != null && d.format() != FORMAT) {
                throw error(
                        "format",
                        "format " + d.format() + " is not supported; this jscontract reads format " + FORMAT,
                        null);
            }
            ContractBuilder b = (ContractBuilder) apply(
                    "stream",
                    () -> ConsumerContract.builder().stream(
                            required("stream", d.stream(), "a stream name, e.g. \"ORDERS\"")));
            apply("durable", () -> b.durable(required("durable", d.durable(), "a consumer name, e.g. \"billing\"")));
            apply(
                    "ackWait",
                    () -> b.ackWait(
                            duration("ackWait", required("ackWait", d.ackWait(), "a duration, e.g." + " \"PT30S\""))));
            apply(
                    "maxDeliver",
                    () -> b.maxDeliver(
                            required("maxDeliver", d.maxDeliver(), "a number, e.g. 5 (-1 for" + " unlimited)")));
            apply(
                    "backoff",
                    () -> b.backoff(backoff(required(
                            "backoff",
                            d.backoff(),
                            "an object, e.g. {\"type\":" + " \"fixed\", \"delay\": \"PT5S\"}"))));
            apply(
                    "deadLetter",
                    () -> b.deadLetter(deadLetter(required(
                            "deadLetter",
                            d.deadLetter(),
                            "an object:" + " {} for the default subject, or {\"type\": \"none\"}"))));
            if (d.filterSubjects() != null) {
                apply(
                        "filterSubjects",
                        () -> d.filterSubjects().size() == 1
                                ? b.filterSubject(d.filterSubjects().get(0))
                                : b.filterSubjects(d.filterSubjects().toArray(String[]::new)));
            }
            optional("maxAckPending", d.maxAckPending(), b::maxAckPending);
            optional("concurrency", d.concurrency(), b::concurrency);
            optional("batchSize", d.batchSize(), b::batchSize);
            optional("instances", d.instances(), b::instances);
            optional("expectedP99", d.expectedP99(), v -> b.expectedP99(duration("expectedP99", v)));
            optional(
                    "heartbeatInterval",
                    d.heartbeatInterval(),
                    v -> b.heartbeatInterval(duration("heartbeatInterval", v)));
            if (Boolean.FALSE.equals(d.heartbeats())) {
                apply("heartbeats", b::noHeartbeats);
            }
            optional(
                    "maxProcessingTime",
                    d.maxProcessingTime(),
                    v -> b.maxProcessingTime(duration("maxProcessingTime", v)));
            if (d.startSequence() != null) {
                if (d.deliverPolicy() != null && !d.deliverPolicy().equals(DeliverPolicy.ByStartSequence.toString())) {
                    throw error(
                            "startSequence",
                            "startSequence needs deliverPolicy \"by_start_sequence\" (or no"
                                    + " deliverPolicy) but deliverPolicy is \"" + d.deliverPolicy() + "\"",
                            null);
                }
                apply("startSequence", () -> b.deliverFromSequence(d.startSequence()));
            } else if (d.startTime() != null) {
                if (d.deliverPolicy() != null && !d.deliverPolicy().equals(DeliverPolicy.ByStartTime.toString())) {
                    throw error(
                            "startTime",
                            "startTime needs deliverPolicy \"by_start_time\" (or no deliverPolicy)"
                                    + " but deliverPolicy is \"" + d.deliverPolicy() + "\"",
                            null);
                }
                apply("startTime", () -> b.deliverFromTime(time("startTime", d.startTime())));
            } else if (d.deliverPolicy() != null) {
                apply("deliverPolicy", () -> b.deliverPolicy(deliverPolicy(d.deliverPolicy())));
            }
            optional("description", d.description(), b::description);
            optional("metadata", d.metadata(), b::metadata);
            if (d.serverBackoff() != null) {
                apply(
                        "serverBackoff",
                        () -> b.serverBackoff(d.serverBackoff().stream()
                                .map(s -> duration("serverBackoff", s))
                                .toArray(Duration[]::new)));
            }
            optional("pauseUntil", d.pauseUntil(), v -> b.pauseUntil(time("pauseUntil", v)));
            if (d.priorityGroups() != null) {
                apply(
                        "priorityGroups",
                        () -> b.priorityGroups(d.priorityGroups().toArray(String[]::new)));
            }
            optional("priorityPolicy", d.priorityPolicy(), v -> b.priorityPolicy(priorityPolicy(v)));
            if (d.suppress() != null) {
                d.suppress().forEach((rule, reason) -> apply("suppress." + rule, () -> b.suppress(rule, reason)));
            }
            if (d.escalate() != null) {
                d.escalate().forEach((rule, sev) -> apply("escalate." + rule, () -> b.escalate(rule, severity(sev))));
            }
            return apply("(contract)", b::build);
        }

        private <T> T required(String field, @Nullable T value, String expected) {
            if (value == null) {
                throw error(field, "field '" + field + "' is required: " + expected, null);
            }
            return value;
        }

        private <T> void optional(String field, @Nullable T value, java.util.function.Consumer<T> setter) {
            if (value != null) {
                apply(field, () -> {
                    setter.accept(value);
                    return null;
                });
            }
        }

        private void apply(String field, Runnable action) {
            apply(field, () -> {
                action.run();
                return null;
            });
        }

        private <T> T apply(String field, java.util.function.Supplier<T> action) {
            try {
                return action.get();
            } catch (ContractFormatException e) {
                throw e;
            } catch (IllegalArgumentException | IllegalStateException e) {
                throw error(field, e.getMessage(), e);
            }
        }

        private Duration duration(String field, String text) {
            try {
                return Duration.parse(text);
            } catch (DateTimeParseException e) {
                throw error(
                        field,
                        "'" + text + "' is not an ISO-8601 duration; write e.g. \"PT30S\", \"PT2M\","
                                + " \"PT0.5S\" or \"P14D\"",
                        e);
            }
        }

        private ZonedDateTime time(String field, String text) {
            try {
                return ZonedDateTime.parse(text);
            } catch (DateTimeParseException e) {
                throw error(
                        field,
                        "'" + text + "' is not an ISO-8601 date-time; write e.g." + " \"2026-11-23T06:00:00Z\"",
                        e);
            }
        }

        private Backoff backoff(ContractDto.BackoffDto d) {
            String type = required("backoff.type", d.type(), "one of none, fixed, exponential, list");
            Backoff b =
                    switch (type) {
                        case "none" -> {
                            noExtra("backoff", d.delay(), d.initial(), d.multiplier(), d.max(), d.delays());
                            yield Backoff.none();
                        }
                        case "fixed" ->
                            Backoff.fixed(duration(
                                    "backoff.delay",
                                    required("backoff.delay", d.delay(), "a duration, e.g. \"PT5S\"")));
                        case "exponential" ->
                            Backoff.exponential(
                                    duration("backoff.initial", required("backoff.initial", d.initial(), "a duration")),
                                    required("backoff.multiplier", d.multiplier(), "a number above 1, e.g. 2.0"),
                                    duration("backoff.max", required("backoff.max", d.max(), "a duration")));
                        case "list" ->
                            Backoff.of(required("backoff.delays", d.delays(), "a list of durations").stream()
                                    .map(s -> duration("backoff.delays", s))
                                    .toArray(Duration[]::new));
                        default ->
                            throw error(
                                    "backoff.type",
                                    "backoff type '" + type + "' is unknown; use one of none,"
                                            + " fixed, exponential, list",
                                    null);
                    };
            return d.jitter() == null ? b : b.withJitter(d.jitter());
        }

        private void noExtra(String field, @Nullable Object... values) {
            for (Object v : values) {
                if (v != null) {
                    throw error(field, "backoff type 'none' takes no delays; remove them or choose another type", null);
                }
            }
        }

        private DeadLetterPolicy deadLetter(ContractDto.DeadLetterDto d) {
            if ("none".equals(d.type())) {
                if (d.subject() != null
                        || d.stream() != null
                        || d.streamSubjects() != null
                        || d.maxAge() != null
                        || d.replicas() != null
                        || d.advisoryStream() != null) {
                    throw error(
                            "deadLetter",
                            "deadLetter type 'none' takes no other fields; remove them or remove"
                                    + " \"type\": \"none\"",
                            null);
                }
                return DeadLetterPolicy.none();
            }
            if (d.type() != null) {
                throw error(
                        "deadLetter.type",
                        "deadLetter type '" + d.type() + "' is unknown; use \"none\", or"
                                + " leave type out to dead-letter",
                        null);
            }
            DeadLetterPolicy p = d.subject() != null
                    ? apply("deadLetter.subject", () -> DeadLetterPolicy.toSubject(d.subject()))
                    : DeadLetterPolicy.toDefaultSubject();
            if (d.stream() != null) {
                p = apply("deadLetter.stream", with(p, q -> q.stream(d.stream())));
            }
            if (d.streamSubjects() != null) {
                p = apply(
                        "deadLetter.streamSubjects",
                        with(p, q -> q.streamSubjects(d.streamSubjects().toArray(String[]::new))));
            }
            if (d.maxAge() != null) {
                Duration age = duration("deadLetter.maxAge", d.maxAge());
                p = apply("deadLetter.maxAge", with(p, q -> q.maxAge(age)));
            }
            if (d.replicas() != null) {
                p = apply("deadLetter.replicas", with(p, q -> q.replicas(d.replicas())));
            }
            if (d.advisoryStream() != null) {
                p = apply("deadLetter.advisoryStream", with(p, q -> q.advisoryStream(d.advisoryStream())));
            }
            return p;
        }

        private static java.util.function.Supplier<DeadLetterPolicy> with(
                DeadLetterPolicy p, Function<DeadLetterPolicy, DeadLetterPolicy> f) {
            return () -> f.apply(p);
        }

        private DeliverPolicy deliverPolicy(String v) {
            for (DeliverPolicy p : DeliverPolicy.values()) {
                if (p.toString().equals(v)) {
                    return p;
                }
            }
            throw new IllegalArgumentException("deliverPolicy '" + v + "' is unknown; use one of all, new, last,"
                    + " last_per_subject (or startSequence / startTime)");
        }

        private PriorityPolicy priorityPolicy(String v) {
            for (PriorityPolicy p : PriorityPolicy.values()) {
                if (p.toString().equals(v)) {
                    return p;
                }
            }
            throw new IllegalArgumentException(
                    "priorityPolicy '" + v + "' is unknown; use one of overflow," + " pinned_client, prioritized");
        }

        private Severity severity(String v) {
            try {
                return Severity.valueOf(v.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("severity '" + v + "' is unknown; use warning or error", e);
            }
        }

        private ContractFormatException error(String field, String message, @Nullable Throwable cause) {
            int line = locate(json, field);
            String where = line > 0 ? source + ", line " + line : source;
            return new ContractFormatException(where + ", field '" + field + "': " + message, field, line, cause);
        }
    }

    /** The line where a field path (e.g. {@code deadLetter.maxAge}) first appears, or -1. */
    static int locate(String json, String fieldPath) {
        List<String> wanted = List.of(fieldPath.split("\\."));
        try (JsonParser p = new JsonFactory().createParser(json)) {
            Deque<String> path = new ArrayDeque<>();
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                if (t == JsonToken.FIELD_NAME) {
                    int depth = p.getParsingContext().getNestingDepth();
                    while (path.size() >= depth) {
                        path.removeLast();
                    }
                    path.addLast(p.currentName());
                    if (List.copyOf(path).equals(wanted)) {
                        return p.currentTokenLocation().getLineNr();
                    }
                }
            }
        } catch (IOException e) {
            return -1; // the text was parsed before; a failure here only loses the line number
        }
        return -1;
    }
}
