package dev.jscontract.benchmarks.outbox;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A fresh database on the local PostgreSQL for one benchmark run, dropped on close. The server is found as the test
 * harness finds it: {@code JSC_JDBC_URL} (an admin URL), else 127.0.0.1:5432 with user {@code JSC_PG_USER}, {@code
 * PGUSER} or the OS user.
 */
final class BenchDatabase implements AutoCloseable {
    private final String adminUrl;
    private final String name;
    private final PGSimpleDataSource dataSource;

    private BenchDatabase(String adminUrl, String name, String url) {
        this.adminUrl = adminUrl;
        this.name = name;
        this.dataSource = new PGSimpleDataSource();
        this.dataSource.setURL(url);
    }

    static BenchDatabase create() throws SQLException {
        String admin = System.getenv("JSC_JDBC_URL");
        if (admin == null) {
            String user = firstNonNull(
                    System.getenv("JSC_PG_USER"), System.getenv("PGUSER"), System.getProperty("user.name"));
            admin = "jdbc:postgresql://127.0.0.1:5432/postgres?user=" + user;
        }
        String name = "jsc_bench_" + UUID.randomUUID().toString().substring(0, 8);
        try (Connection c = DriverManager.getConnection(admin);
                Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        }
        String url = admin.replaceFirst("/postgres(\\?|$)", "/" + name + "$1");
        return new BenchDatabase(admin, name, url);
    }

    private static String firstNonNull(String... values) {
        for (String v : values) {
            if (v != null && !v.isEmpty()) {
                return v;
            }
        }
        throw new IllegalStateException("no PostgreSQL user: set JSC_PG_USER or PGUSER");
    }

    DataSource dataSource() {
        return dataSource;
    }

    String name() {
        return name;
    }

    /** Transactions committed plus rolled back in this database so far (pg_stat_database), read from another one. */
    long transactions() throws SQLException {
        try (Connection c = DriverManager.getConnection(adminUrl);
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(
                        "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = '" + name + "'")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The server's version string. */
    String serverVersion() throws SQLException {
        try (Connection c = dataSource.getConnection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SHOW server_version")) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Override
    public void close() throws SQLException {
        try (Connection c = DriverManager.getConnection(adminUrl);
                Statement st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }
    }
}
