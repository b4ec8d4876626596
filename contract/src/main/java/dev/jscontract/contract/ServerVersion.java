package dev.jscontract.contract;

import io.nats.client.Connection;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A nats-server version, compared numerically ({@code 2.10.27 > 2.9.10}); a pre-release ({@code 2.11.0-RC.1}) sorts
 * before its release.
 *
 * <p>Rendering, linting and provisioning take the version of the server the consumer will run against, because
 * several JetStream behaviours differ by version (see {@code docs/jetstream-semantics.md}, section (g)).
 *
 * <pre>{@code
 * ServerVersion v = ServerVersion.of(connection);
 * if (v.isBefore(ServerVersion.V2_10_0)) { ... }
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class ServerVersion implements Comparable<ServerVersion> {
    private static final Pattern FORMAT = Pattern.compile("^v?(\\d+)\\.(\\d+)(?:\\.(\\d+))?(-[0-9A-Za-z.-]+)?$");

    /** The floor jscontract supports (Debian bookworm ships 2.9.10). */
    public static final ServerVersion V2_9_0 = new ServerVersion(2, 9, 0, "");
    /** Consumer {@code action}, {@code filter_subjects} and {@code metadata} (B-20, B-21). */
    public static final ServerVersion V2_10_0 = new ServerVersion(2, 10, 0, "");
    /** {@code +TERM <reason>} terminates and the advisory carries the reason (B-11). */
    public static final ServerVersion V2_10_4 = new ServerVersion(2, 10, 4, "");
    /** {@code max_deliver -1} allowed together with BackOff (B-04). */
    public static final ServerVersion V2_10_14 = new ServerVersion(2, 10, 14, "");
    /** {@code max_deliver == len(backoff)} allowed (B-04). */
    public static final ServerVersion V2_10_23 = new ServerVersion(2, 10, 23, "");
    /** {@code pause_until}, priority groups, pedantic mode (B-21). */
    public static final ServerVersion V2_11_0 = new ServerVersion(2, 11, 0, "");
    /** Priority policy {@code prioritized}; strict API JSON by default (B-21). */
    public static final ServerVersion V2_12_0 = new ServerVersion(2, 12, 0, "");
    /** First version that lost max-delivered messages of R3 WorkQueue streams (nats-server #7817, MD-003). */
    public static final ServerVersion V2_12_3 = new ServerVersion(2, 12, 3, "");
    /** The fix of nats-server #7817: max-delivered WorkQueue messages are kept again (MD-003). */
    public static final ServerVersion V2_12_5 = new ServerVersion(2, 12, 5, "");

    private final int major;
    private final int minor;
    private final int patch;
    private final String preRelease;

    private ServerVersion(int major, int minor, int patch, String preRelease) {
        this.major = major;
        this.minor = minor;
        this.patch = patch;
        this.preRelease = preRelease;
    }

    /**
     * Parses {@code 2.10.27}, {@code v2.10.27}, {@code 2.11} or {@code 2.11.0-RC.1}.
     *
     * @throws IllegalArgumentException when the text is not such a version
     */
    public static ServerVersion parse(String version) {
        Objects.requireNonNull(version, "version");
        Matcher m = FORMAT.matcher(version.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    "version must look like 2.10.27 (major.minor[.patch][-prerelease]) but was '" + version + "'");
        }
        return new ServerVersion(
                Integer.parseInt(m.group(1)),
                Integer.parseInt(m.group(2)),
                m.group(3) == null ? 0 : Integer.parseInt(m.group(3)),
                m.group(4) == null ? "" : m.group(4).substring(1));
    }

    /**
     * The version of the server a connection is currently connected to. In a mixed-version cluster, other servers
     * the client may reconnect to can differ.
     *
     * @throws IllegalStateException when the connection has no server info (not connected)
     */
    public static ServerVersion of(Connection connection) {
        Objects.requireNonNull(connection, "connection");
        String v = connection.getServerInfo().getVersion();
        if (v == null || v.isEmpty()) {
            throw new IllegalStateException("the connection has no server version (status " + connection.getStatus()
                    + "); connect before asking for the version");
        }
        return parse(v);
    }

    /** The major version. */
    public int getMajor() {
        return major;
    }

    /** The minor version. */
    public int getMinor() {
        return minor;
    }

    /** The patch version (0 when absent). */
    public int getPatch() {
        return patch;
    }

    /** Whether this version is {@code other} or newer. */
    public boolean isAtLeast(ServerVersion other) {
        return compareTo(other) >= 0;
    }

    /** Whether this version is older than {@code other}. */
    public boolean isBefore(ServerVersion other) {
        return compareTo(other) < 0;
    }

    @Override
    public int compareTo(ServerVersion o) {
        int c = Integer.compare(major, o.major);
        if (c == 0) {
            c = Integer.compare(minor, o.minor);
        }
        if (c == 0) {
            c = Integer.compare(patch, o.patch);
        }
        if (c == 0 && !preRelease.equals(o.preRelease)) {
            // a release sorts after its pre-releases
            c = preRelease.isEmpty() ? 1 : o.preRelease.isEmpty() ? -1 : preRelease.compareTo(o.preRelease);
        }
        return c;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ServerVersion v
                && v.major == major
                && v.minor == minor
                && v.patch == patch
                && v.preRelease.equals(preRelease);
    }

    @Override
    public int hashCode() {
        return Objects.hash(major, minor, patch, preRelease);
    }

    /** {@code 2.10.27} or {@code 2.11.0-RC.1}. */
    @Override
    public String toString() {
        return major + "." + minor + "." + patch + (preRelease.isEmpty() ? "" : "-" + preRelease);
    }
}
