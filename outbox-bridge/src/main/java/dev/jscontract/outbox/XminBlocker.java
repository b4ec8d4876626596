package dev.jscontract.outbox;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An open transaction in the outbox's database that holds back the xmin horizon (vacuum cannot remove outbox rows
 * deleted after it began), from {@link OutboxAdmin#xminBlockers(int)}. A prepared transaction has pid 0 and its gid
 * as the application name. Immutable.
 */
public final class XminBlocker {
    private final int pid;
    private final @Nullable String state;
    private final @Nullable String applicationName;
    private final Instant since;
    private final Duration age;

    /**
     * A blocker.
     *
     * @param pid the backend pid (0 for a prepared transaction)
     * @param state the session state ({@code idle in transaction}, {@code active}, {@code prepared})
     * @param applicationName the session's application name (the gid for a prepared transaction)
     * @param since when the transaction began
     * @param age how long it has been open, by the database's clock
     */
    public XminBlocker(int pid, @Nullable String state, @Nullable String applicationName, Instant since, Duration age) {
        this.pid = pid;
        this.state = state;
        this.applicationName = applicationName;
        this.since = Objects.requireNonNull(since, "since");
        this.age = Objects.requireNonNull(age, "age");
    }

    /** The backend pid; 0 for a prepared transaction. */
    public int getPid() {
        return pid;
    }

    /** The session state. */
    public @Nullable String getState() {
        return state;
    }

    /** The application name (the gid of a prepared transaction). */
    public @Nullable String getApplicationName() {
        return applicationName;
    }

    /** When the transaction began. */
    public Instant getSince() {
        return since;
    }

    /** How long it has been open. */
    public Duration getAge() {
        return age;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof XminBlocker x
                && x.pid == pid
                && Objects.equals(x.state, state)
                && Objects.equals(x.applicationName, applicationName)
                && x.since.equals(since)
                && x.age.equals(age);
    }

    @Override
    public int hashCode() {
        return Objects.hash(pid, state, applicationName, since, age);
    }

    @Override
    public String toString() {
        return "XminBlocker{pid " + pid + ", " + state + ", " + applicationName + ", open " + age + "}";
    }
}
