package dev.jscontract.testing.internal;

import dev.jscontract.testing.ServerUnavailableException;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.opentest4j.TestAbortedException;

/**
 * The process environment as the harness reads it: environment variables, with system properties of the same name
 * as a fallback (so Surefire/Failsafe configuration can set them). Injected so the resolution rules can be tested
 * with a made-up environment.
 */
public final class Environment {

    /** When set (to anything), a server that cannot be had fails the test instead of skipping it. */
    public static final String CI = "CI";

    /** What a skipped test's reason ends with; code outside JUnit reports the message without it. */
    static final String SKIP_NOTE = " [skipped because CI is not set; with CI set this fails]";

    private static final Environment SYSTEM = new Environment(System.getenv(), true);

    private final Map<String, String> variables;
    private final boolean useSystemProperties;

    private Environment(Map<String, String> variables, boolean useSystemProperties) {
        this.variables = Map.copyOf(variables);
        this.useSystemProperties = useSystemProperties;
    }

    /** The real environment of this JVM. */
    public static Environment system() {
        return SYSTEM;
    }

    /** A made-up environment (system properties are not consulted), for tests of the resolution rules. */
    public static Environment of(Map<String, String> variables) {
        return new Environment(variables, false);
    }

    /** The value of a variable, or {@code null} when unset or blank. */
    public @Nullable String get(String name) {
        String v = variables.get(name);
        if ((v == null || v.isBlank()) && useSystemProperties) {
            v = System.getProperty(name);
        }
        return v == null || v.isBlank() ? null : v.trim();
    }

    /** Whether {@code CI} is set. */
    public boolean isCi() {
        return get(CI) != null;
    }

    /**
     * The exception to throw when a server is unavailable: {@link ServerUnavailableException} (a failure) under CI,
     * otherwise a {@link TestAbortedException} (reported as skipped, with the message as reason).
     */
    public RuntimeException unavailable(String message) {
        Objects.requireNonNull(message, "message");
        if (isCi()) {
            return new ServerUnavailableException(message + " [CI is set, so this is a failure, not a skip]");
        }
        return new TestAbortedException(message + SKIP_NOTE);
    }

    /**
     * Runs {@code start} for code outside JUnit (a demo, a benchmark, a {@code main}): a server that cannot be had is
     * a plain {@link ServerUnavailableException} with the same how-to-fix message, never a JUnit skip.
     */
    public static <T> T outsideJUnit(java.util.function.Supplier<T> start) {
        try {
            return start.get();
        } catch (TestAbortedException e) {
            String m = String.valueOf(e.getMessage());
            throw new ServerUnavailableException(
                    m.endsWith(SKIP_NOTE) ? m.substring(0, m.length() - SKIP_NOTE.length()) : m);
        }
    }

    /** Finds an executable named {@code name} on this environment's {@code PATH}. */
    public Optional<Path> onPath(String name) {
        String path = get("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** The user's home directory ({@code HOME}, else the JVM's {@code user.home}). */
    public Path home() {
        String home = get("HOME");
        return Path.of(home != null ? home : System.getProperty("user.home"));
    }
}
