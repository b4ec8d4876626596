package dev.jscontract.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.nats.client.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The programmatic {@code @RegisterExtension} forms, including server configuration lines. */
class RegisterExtensionFormIT {

    @RegisterExtension
    static final NatsServerExtension NATS = NatsServerExtension.perClass("max_payload: 65536");

    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();

    @Test
    void serverAndDatabaseAreReachableThroughTheExtensionFields() throws Exception {
        try (Connection nc = NATS.server().connect()) {
            assertThat(nc.getServerInfo().getMaxPayload()).isEqualTo(65536);
        }
        try (java.sql.Connection c = PG.database().connection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("select current_database()")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo(PG.database().name());
        }
    }
}
