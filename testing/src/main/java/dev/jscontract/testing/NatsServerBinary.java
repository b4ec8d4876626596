package dev.jscontract.testing;

import dev.jscontract.testing.internal.Versions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A nats-server executable and the version it reports ({@code nats-server --version}).
 *
 * <p>{@link #of(Path)} runs the binary once to learn its version; the result is cached per path.
 */
public final class NatsServerBinary implements Comparable<NatsServerBinary> {

    private static final Pattern VERSION = Pattern.compile("v?(\\d+\\.\\d+\\.\\d+[^\\s]*)");
    private static final ConcurrentMap<Path, NatsServerBinary> CACHE = new ConcurrentHashMap<>();

    private final Path path;
    private final String version;

    private NatsServerBinary(Path path, String version) {
        this.path = path;
        this.version = version;
    }

    /**
     * The binary at {@code path}, with its version read by running {@code <path> --version}.
     *
     * @throws IllegalArgumentException when the file is not an executable nats-server that reports a version
     */
    public static NatsServerBinary of(Path path) {
        Objects.requireNonNull(path, "path");
        Path abs = path.toAbsolutePath().normalize();
        return CACHE.computeIfAbsent(abs, p -> new NatsServerBinary(p, readVersion(p)));
    }

    /** The executable. */
    public Path path() {
        return path;
    }

    /** The version it reports, without the leading {@code v}, e.g. {@code 2.9.10}. */
    public String version() {
        return version;
    }

    /** Whether this binary's version is {@code version} or newer. */
    public boolean isAtLeast(String version) {
        return Versions.compare(this.version, version) >= 0;
    }

    private static String readVersion(Path path) {
        if (!Files.isExecutable(path)) {
            throw new IllegalArgumentException("nats-server binary " + path + " does not exist or is not executable");
        }
        try {
            Process p = new ProcessBuilder(path.toString(), "--version")
                    .redirectErrorStream(true)
                    .start();
            String out;
            try (var in = p.getInputStream()) {
                out = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
            }
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalArgumentException(path + " --version did not finish within 10 s");
            }
            Matcher m = VERSION.matcher(out);
            if (p.exitValue() != 0 || !out.startsWith("nats-server") || !m.find()) {
                throw new IllegalArgumentException(path + " is not a nats-server binary: '--version' printed '" + out
                        + "' (exit " + p.exitValue() + ")");
            }
            return m.group(1);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot run " + path + " --version: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the version of " + path, e);
        }
    }

    @Override
    public int compareTo(NatsServerBinary other) {
        return Versions.compare(version, other.version);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NatsServerBinary b && b.path.equals(path) && b.version.equals(version);
    }

    @Override
    public int hashCode() {
        return Objects.hash(path, version);
    }

    @Override
    public String toString() {
        return "nats-server " + version + " (" + path + ")";
    }
}
