package dev.jscontract.testing.internal;

import dev.jscontract.testing.PostgresDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/** A database created by {@link PostgresResolver}; {@link #close()} drops it. */
final class PostgresDatabaseImpl implements PostgresDatabase {
    private final String adminUrl;
    private final String url;
    private final String name;
    private final String user;
    private final PGSimpleDataSource dataSource;

    PostgresDatabaseImpl(String adminUrl, String url, String name, String user) {
        this.adminUrl = adminUrl;
        this.url = url;
        this.name = name;
        this.user = user;
        this.dataSource = new PGSimpleDataSource();
        this.dataSource.setURL(url);
    }

    @Override
    public String jdbcUrl() {
        return url;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String user() {
        return user;
    }

    @Override
    public DataSource dataSource() {
        return dataSource;
    }

    @Override
    public Connection connection() throws SQLException {
        return dataSource.getConnection();
    }

    @Override
    public void close() {
        try (Connection c = DriverManager.getConnection(adminUrl);
                Statement st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot drop test database " + name + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "PostgreSQL database " + name + " (" + url + ")";
    }
}
