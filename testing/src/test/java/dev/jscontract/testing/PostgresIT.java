package dev.jscontract.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jscontract.testing.internal.Resolvers;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** The per-class PostgreSQL database. */
@WithPostgres
class PostgresIT {

    @Test
    void databaseIsFreshAndNamedForTheClass(PostgresDatabase db) throws Exception {
        assertThat(db.name()).startsWith("jsc_postgresit_");
        assertThat(db.jdbcUrl()).contains("/" + db.name());
        try (Connection c = db.dataSource().getConnection();
                Statement st = c.createStatement()) {
            try (ResultSet rs =
                    st.executeQuery("select count(*) from information_schema.tables where table_schema = 'public'")) {
                rs.next();
                assertThat(rs.getInt(1)).isZero();
            }
            st.execute("create table t (id int primary key)");
            st.execute("insert into t values (1)");
        }
    }

    @Test
    void closeDropsTheDatabase() {
        PostgresDatabase extra = Resolvers.postgres().createDatabase("drop check");
        extra.close();
        assertThatThrownBy(() -> DriverManager.getConnection(extra.jdbcUrl()).close())
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("does not exist");
    }
}
