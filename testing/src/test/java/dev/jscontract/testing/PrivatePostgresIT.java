package dev.jscontract.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** The private PostgreSQL server: stop, kill and restart without touching the shared one. */
@WithPrivatePostgres
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PrivatePostgresIT {

    @Test
    @Order(1)
    void runsOnItsOwnPort(PrivatePostgres pg) throws Exception {
        assertThat(pg.port()).isNotEqualTo(5432);
        assertThat(pg.isRunning()).isTrue();
        try (Connection c = pg.connection();
                Statement st = c.createStatement()) {
            st.execute("create table kept (id int primary key)");
            st.execute("insert into kept values (1)");
        }
    }

    @Test
    @Order(2)
    void supportsLogicalDecoding(PrivatePostgres pg) throws Exception {
        try (Connection c = pg.connection();
                Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("show wal_level")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("logical");
            }
            st.execute("select pg_create_logical_replication_slot('probe', 'pgoutput')");
            st.execute("select pg_drop_replication_slot('probe')");
        }
    }

    @Test
    @Order(3)
    void killDropsConnectionsAndStartRecoversCommittedData(PrivatePostgres pg) throws Exception {
        try (Connection open = pg.connection()) {
            try (Statement st = open.createStatement()) {
                st.execute("insert into kept values (2)");
            }
            pg.kill();
            assertThat(pg.isRunning()).isFalse();
            assertThatThrownBy(() -> {
                        try (Statement st = open.createStatement()) {
                            st.execute("select 1");
                        }
                    })
                    .isInstanceOf(SQLException.class);
        }
        pg.start();
        assertThat(count(pg)).isEqualTo(2);
    }

    @Test
    @Order(4)
    void stopAndRestartKeepData(PrivatePostgres pg) throws Exception {
        pg.stop();
        assertThat(pg.isRunning()).isFalse();
        assertThatThrownBy(() -> pg.connection().close()).isInstanceOf(SQLException.class);
        pg.start();
        pg.restart();
        assertThat(count(pg)).isEqualTo(2);
    }

    private static int count(PrivatePostgres pg) throws SQLException {
        try (Connection c = pg.connection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("select count(*) from kept")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
