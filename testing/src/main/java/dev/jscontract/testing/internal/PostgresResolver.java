package dev.jscontract.testing.internal;

import dev.jscontract.testing.PostgresDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.testcontainers.containers.GenericContainer;

/**
 * Finds the PostgreSQL server that fresh test databases are created on, in the documented order: {@code
 * JSC_JDBC_URL} (an admin URL; its credentials must allow {@code CREATE DATABASE}); a local server on
 * 127.0.0.1:5432 (user {@code JSC_PG_USER}, else {@code PGUSER}, else the OS user; password {@code PGPASSWORD}); a
 * Docker container; otherwise "unavailable" (a failure under CI, a skip outside it).
 */
public final class PostgresResolver {
    /** An admin JDBC URL of the server to create test databases on. */
    public static final String URL = "JSC_JDBC_URL";

    private static final Pattern JDBC = Pattern.compile("^(jdbc:postgresql://[^/?]+)(/[^?]*)?(\\?.*)?$");

    private final Environment env;
    private volatile @Nullable String adminUrl;
    private volatile @Nullable GenericContainer<?> container;

    public PostgresResolver(Environment env) {
        this.env = env;
    }

    /** Finds the server (cached) or throws {@link Environment#unavailable(String)}. */
    public void probe() {
        adminUrl();
    }

    /** Creates a fresh database named after {@code hint} (sanitized, with a random suffix). */
    public PostgresDatabase createDatabase(String hint) {
        String admin = adminUrl();
        String name = databaseName(hint);
        try (Connection c = DriverManager.getConnection(admin);
                Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name);
            String user = c.getMetaData().getUserName();
            return new PostgresDatabaseImpl(admin, withDatabase(admin, name), name, user);
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "cannot create test database " + name + " via " + redact(admin) + ": " + e.getMessage()
                            + ". The role needs the CREATEDB privilege (ALTER ROLE <user> CREATEDB)",
                    e);
        }
    }

    static String databaseName(String hint) {
        String clean = hint.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_");
        if (clean.length() > 40) {
            clean = clean.substring(clean.length() - 40);
        }
        return "jsc_" + clean + "_" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Replaces the database of a PostgreSQL JDBC URL. */
    static String withDatabase(String url, String db) {
        Matcher m = JDBC.matcher(url);
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    "not a PostgreSQL JDBC URL: " + redact(url) + " (expected jdbc:postgresql://host:port/db?params)");
        }
        return m.group(1) + "/" + db + (m.group(3) != null ? m.group(3) : "");
    }

    private static String redact(String url) {
        return url.replaceAll("(?i)(password=)[^&]*", "$1***");
    }

    private synchronized String adminUrl() {
        if (adminUrl != null) {
            return adminUrl;
        }
        String explicit = env.get(URL);
        if (explicit != null) {
            try (Connection c = DriverManager.getConnection(explicit)) {
                c.isValid(5);
            } catch (SQLException e) {
                throw env.unavailable(URL + "=" + redact(explicit) + " does not accept connections: " + e.getMessage()
                        + ". Fix the URL (jdbc:postgresql://host:port/postgres?user=...&password=...) or unset it");
            }
            adminUrl = explicit;
            return explicit;
        }
        String user = firstNonNull(env.get("JSC_PG_USER"), env.get("PGUSER"), System.getProperty("user.name"));
        String password = env.get("PGPASSWORD");
        String local = "jdbc:postgresql://127.0.0.1:5432/postgres?user=" + user
                + (password != null ? "&password=" + password : "") + "&connectTimeout=3";
        String localProblem;
        if (Ports.isOpen("127.0.0.1", 5432, Duration.ofSeconds(1))) {
            try (Connection c = DriverManager.getConnection(local)) {
                c.isValid(5);
                adminUrl = local;
                return local;
            } catch (SQLException e) {
                localProblem = "a server answers on 127.0.0.1:5432 but refuses user '" + user + "': " + e.getMessage()
                        + " (set JSC_PG_USER/PGUSER and PGPASSWORD, or create the role: createuser -s " + user + ")";
            }
        } else {
            localProblem = "nothing listens on 127.0.0.1:5432";
        }
        if (Containers.dockerAvailable()) {
            GenericContainer<?> c = Containers.postgres(env);
            container = c;
            Runtime.getRuntime().addShutdownHook(new Thread(c::stop, "jscontract-postgres-container-stop"));
            adminUrl = "jdbc:postgresql://" + c.getHost() + ":" + c.getMappedPort(5432) + "/postgres?user=postgres";
            return adminUrl;
        }
        throw env.unavailable("no PostgreSQL is available for this test. Checked, in order: " + URL + " (unset); "
                + "a local server: " + localProblem + "; Docker (no engine answers). Provide one of: a PostgreSQL"
                + " 13+ on 127.0.0.1:5432 that lets user '" + user + "' create databases (Debian: apt-get install"
                + " postgresql, then createuser -s " + user + "), or " + URL
                + "=jdbc:postgresql://host:port/postgres?user=...&password=..., or a running Docker engine");
    }

    @SafeVarargs
    private static <T> T firstNonNull(@Nullable T... values) {
        for (T v : values) {
            if (v != null) {
                return v;
            }
        }
        throw new IllegalArgumentException("all values are null");
    }
}
