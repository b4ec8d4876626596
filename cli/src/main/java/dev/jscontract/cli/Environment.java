package dev.jscontract.cli;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What the command reads from its process environment: variables ({@code NATS_URL}, {@code XDG_CONFIG_HOME},
 * {@code NO_COLOR}, {@code COLUMNS}, ...) and the home directory. Injected, so tests run the command with a
 * temporary configuration directory and chosen variables instead of the JVM's own. Immutable.
 */
public final class Environment {
    private final Map<String, String> variables;
    private final Path home;

    private Environment(Map<String, String> variables, Path home) {
        this.variables = Map.copyOf(variables);
        this.home = home;
    }

    /** The JVM's environment and {@code user.home}. */
    public static Environment system() {
        return new Environment(System.getenv(), Path.of(System.getProperty("user.home")));
    }

    /**
     * An environment of the given variables; the home directory is {@code HOME} when set, else {@code user.home}.
     *
     * @param variables the variables (copied)
     */
    public static Environment of(Map<String, String> variables) {
        Objects.requireNonNull(variables, "variables");
        String home = variables.get("HOME");
        return new Environment(variables, Path.of(home != null ? home : System.getProperty("user.home")));
    }

    /** A variable's value, if set and not empty. */
    public Optional<String> get(String name) {
        String v = variables.get(Objects.requireNonNull(name, "name"));
        return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v);
    }

    /** A variable's value, or null when unset or empty. */
    public @Nullable String getOrNull(String name) {
        return get(name).orElse(null);
    }

    /** The home directory ({@code ~}). */
    public Path home() {
        return home;
    }

    /** The variables (unmodifiable). */
    public Map<String, String> variables() {
        return variables;
    }

    @Override
    public String toString() {
        return "Environment{" + variables.size() + " variables, home " + home + "}";
    }
}
