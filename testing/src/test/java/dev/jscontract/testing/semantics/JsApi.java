package dev.jscontract.testing.semantics;

import static org.assertj.core.api.Assertions.assertThat;

import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.support.JsonParser;
import io.nats.client.support.JsonValue;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Raw JetStream API access for the semantics suite: the wire bodies jnats cannot express (the {@code action} field
 * against 2.9, {@code pedantic}, unknown JSON fields, post-2.9 consumer fields) and read-backs of the JSON exactly as
 * the server sent it. Replies are parsed with jnats' own {@link JsonParser}.
 */
final class JsApi {
    /** How long an API request may take on a loaded machine. */
    static final Duration API_TIMEOUT = Duration.ofSeconds(5);

    private static final AtomicLong COUNTER = new AtomicLong();

    private JsApi() {}

    /**
     * A stream or consumer name unique within this JVM run: {@code prefix_<n>}. Names are unique per test so that the
     * per-class server can be shared by all methods of a class.
     */
    static String unique(String prefix) {
        return prefix + "_" + COUNTER.incrementAndGet();
    }

    /** Sends {@code json} as a request to {@code subject} and returns the parsed reply; fails the test on timeout. */
    static JsonValue request(Connection nc, String subject, String json) throws InterruptedException {
        Message reply = nc.request(subject, json.getBytes(StandardCharsets.UTF_8), API_TIMEOUT);
        assertThat(reply).as("reply to %s %s", subject, json).isNotNull();
        return JsonParser.parseUnchecked(Objects.requireNonNull(reply).getData());
    }

    /** {@code $JS.API.CONSUMER.CREATE.<stream>.<name>} with a raw request body. */
    static JsonValue createConsumer(Connection nc, String stream, String name, String requestJson)
            throws InterruptedException {
        return request(nc, "$JS.API.CONSUMER.CREATE." + stream + "." + name, requestJson);
    }

    /**
     * The create request body for a durable pull consumer: {@code {"stream_name":..,"config":{"durable_name":..,
     * "ack_policy":"explicit", <configFields>} <topLevelFields>}}; both extra parts are raw JSON members without the
     * leading comma, or empty.
     */
    static String createBody(String stream, String name, String configFields, String topLevelFields) {
        return "{\"stream_name\":\"" + stream + "\",\"config\":{\"durable_name\":\"" + name
                + "\",\"ack_policy\":\"explicit\"" + (configFields.isEmpty() ? "" : "," + configFields) + "}"
                + (topLevelFields.isEmpty() ? "" : "," + topLevelFields) + "}";
    }

    /** {@code $JS.API.CONSUMER.INFO.<stream>.<name>}; fails the test if the server answers with an error. */
    static JsonValue consumerInfo(Connection nc, String stream, String name) throws InterruptedException {
        JsonValue info = request(nc, "$JS.API.CONSUMER.INFO." + stream + "." + name, "");
        assertThat(error(info))
                .as("consumer info error for %s.%s", stream, name)
                .isNull();
        return info;
    }

    /** {@code $JS.API.STREAM.INFO.<stream>}; fails the test if the server answers with an error. */
    static JsonValue streamInfo(Connection nc, String stream) throws InterruptedException {
        JsonValue info = request(nc, "$JS.API.STREAM.INFO." + stream, "");
        assertThat(error(info)).as("stream info error for %s", stream).isNull();
        return info;
    }

    /**
     * Waits up to {@code timeout} for the stream to hold {@code expected} messages, then asserts the count. For
     * removals the server applies asynchronously (a TERM or ack on a WorkQueue stream), and for captured advisories.
     */
    static void awaitStreamMessages(Connection nc, String stream, long expected, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long count = number(streamInfo(nc, stream), "state", "messages");
        while (count != expected && System.nanoTime() < deadline) {
            Thread.sleep(20);
            count = number(streamInfo(nc, stream), "state", "messages");
        }
        assertThat(count)
                .as("messages in stream %s after up to %s", stream, timeout)
                .isEqualTo(expected);
    }

    /** The {@code error} object of an API reply, or {@code null} when the reply is a success. */
    static @Nullable ApiError error(JsonValue reply) {
        JsonValue err = field(reply, "error");
        if (err == null) {
            return null;
        }
        return new ApiError((int) number(err, "code"), (int) number(err, "err_code"), string(err, "description"));
    }

    /** The API error of a reply that must be an error; fails the test when the reply is a success. */
    static ApiError requireError(JsonValue reply) {
        ApiError error = error(reply);
        assertThat(error)
                .as("expected an API error but the reply was %s", reply.toJson())
                .isNotNull();
        return Objects.requireNonNull(error);
    }

    /** Fails the test when the reply carries an API error; returns the reply for chaining. */
    static JsonValue requireSuccess(JsonValue reply) {
        assertThat(error(reply)).as("API error in %s", reply.toJson()).isNull();
        return reply;
    }

    /** The value at {@code path} below {@code root}, or {@code null} when any step is missing. */
    static @Nullable JsonValue field(JsonValue root, String... path) {
        JsonValue current = root;
        for (String key : path) {
            if (current.map == null) {
                return null;
            }
            current = current.map.get(key);
            if (current == null) {
                return null;
            }
        }
        return current;
    }

    /** Whether {@code path} exists below {@code root}. */
    static boolean has(JsonValue root, String... path) {
        return field(root, path) != null;
    }

    /** The number at {@code path}; fails the test when it is missing or not a number. */
    static long number(JsonValue root, String... path) {
        JsonValue value = field(root, path);
        assertThat(value)
                .as("number at %s in %s", String.join(".", path), root.toJson())
                .isNotNull();
        assertThat(Objects.requireNonNull(value).number)
                .as("number at %s in %s", String.join(".", path), root.toJson())
                .isNotNull();
        return value.number.longValue();
    }

    /** The string at {@code path}; fails the test when it is missing or not a string. */
    static String string(JsonValue root, String... path) {
        JsonValue value = field(root, path);
        assertThat(value)
                .as("string at %s in %s", String.join(".", path), root.toJson())
                .isNotNull();
        assertThat(Objects.requireNonNull(value).string)
                .as("string at %s in %s", String.join(".", path), root.toJson())
                .isNotNull();
        return value.string;
    }

    /** The numbers of the array at {@code path}; fails the test when it is missing. */
    static List<Long> numbers(JsonValue root, String... path) {
        JsonValue value = field(root, path);
        assertThat(value)
                .as("array at %s in %s", String.join(".", path), root.toJson())
                .isNotNull();
        assertThat(Objects.requireNonNull(value).array).isNotNull();
        return value.array.stream().map(v -> v.number.longValue()).toList();
    }

    /** The strings of the array at {@code path}; fails the test when it is missing. */
    static List<String> strings(JsonValue root, String... path) {
        JsonValue value = field(root, path);
        assertThat(value)
                .as("array at %s in %s", String.join(".", path), root.toJson())
                .isNotNull();
        assertThat(Objects.requireNonNull(value).array).isNotNull();
        return value.array.stream().map(v -> v.string).toList();
    }

    /** The string map at {@code path}, or an empty map when the server omitted it. */
    static Map<String, String> stringMap(JsonValue root, String... path) {
        JsonValue value = field(root, path);
        if (value == null || value.map == null) {
            return Map.of();
        }
        return value.map.entrySet().stream()
                .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, e -> e.getValue().string));
    }

    /** An error object of a JetStream API reply: HTTP-like {@code code}, {@code err_code} and {@code description}. */
    record ApiError(int code, int errCode, String description) {}
}
