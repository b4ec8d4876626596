package dev.jscontract.cli.internal.connect;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jscontract.cli.CliException;
import dev.jscontract.cli.ExitCodes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A saved context of the {@code nats} CLI (nats-io/jsm.go {@code natscontext}): a JSON file in {@code
 * $XDG_CONFIG_HOME/nats/context/<name>.json} with the fields {@code url}, {@code user}, {@code password}, {@code
 * token}, {@code creds}, {@code nkey}, {@code cert}, {@code key}, {@code ca}, {@code tls_first}, {@code
 * jetstream_domain}, {@code jetstream_api_prefix}, {@code inbox_prefix}, {@code user_jwt}, {@code user_seed}. Other
 * fields ({@code description}, {@code socks_proxy}, ...) are read and ignored, as the {@code nats} CLI adds fields
 * over time. Values are as written; secrets and paths are resolved by {@link SettingsResolver}.
 *
 * @param name the context name (the file name without {@code .json})
 * @param file where it was read from
 * @param fields the string fields that were set (JSON name to value); {@code tls_first} as {@code "true"}
 */
public record NatsContext(String name, Path file, Map<String, String> fields) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The fields jscontract uses. */
    static final String[] KNOWN = {
        "url",
        "user",
        "password",
        "token",
        "creds",
        "nkey",
        "cert",
        "key",
        "ca",
        "tls_first",
        "jetstream_domain",
        "jetstream_api_prefix",
        "inbox_prefix",
        "user_jwt",
        "user_seed"
    };

    /** A field's value when set and not empty. */
    public Optional<String> get(String field) {
        String v = fields.get(field);
        return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v);
    }

    /**
     * Reads a context file.
     *
     * @throws CliException (exit 3) when the file does not exist, (exit 2) when it is not a context
     */
    public static NatsContext read(String name, Path file, String how) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new CliException(
                    ExitCodes.UNAVAILABLE,
                    "nats context '" + name + "' " + how + " does not exist: " + file + " is missing; create it with"
                            + " `nats context save " + name
                            + "`, or give --context with an existing name or .json file",
                    e);
        } catch (IOException e) {
            throw new CliException(
                    ExitCodes.UNAVAILABLE, "cannot read nats context file " + file + ": " + e.getMessage(), e);
        }
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new CliException(
                    ExitCodes.USAGE,
                    "nats context file " + file + " is not valid JSON (line "
                            + e.getLocation().getLineNr() + ": " + e.getOriginalMessage() + "); fix it or save the"
                            + " context again with `nats context save " + name + "`",
                    e);
        }
        if (root == null || !root.isObject()) {
            throw new CliException(
                    ExitCodes.USAGE,
                    "nats context file " + file + " must hold a JSON object but holds "
                            + (root == null
                                    ? "nothing"
                                    : root.getNodeType().toString().toLowerCase(java.util.Locale.ROOT))
                            + "; save the context again with `nats context save " + name + "`");
        }
        Map<String, String> fields = new LinkedHashMap<>();
        for (String key : KNOWN) {
            JsonNode v = root.get(key);
            String value = text(v, key, file);
            if (value != null) {
                fields.put(key, value);
            }
        }
        return new NatsContext(name, file, Map.copyOf(fields));
    }

    private static @Nullable String text(@Nullable JsonNode v, String key, Path file) {
        if (v == null || v.isNull()) {
            return null;
        }
        if (key.equals("tls_first")) {
            if (!v.isBoolean()) {
                throw new CliException(
                        ExitCodes.USAGE,
                        "nats context file " + file + ": tls_first must be true or false but was " + v
                                + "; fix the file");
            }
            return v.asBoolean() ? "true" : null;
        }
        if (!v.isTextual()) {
            throw new CliException(
                    ExitCodes.USAGE,
                    "nats context file " + file + ": " + key + " must be a string but was " + v + "; fix the file");
        }
        return v.asText();
    }

    @Override
    public String toString() {
        return "NatsContext{" + name + " at " + file + ", fields " + fields.keySet() + "}";
    }
}
