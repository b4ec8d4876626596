package dev.jscontract.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.NatsServers;
import dev.jscontract.testing.TestOperator;
import dev.jscontract.testing.TestPki;
import io.nats.client.Connection;
import io.nats.client.NKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ContextConsumer;

/**
 * The {@code Connection} bean against real nats-servers that demand each authentication method the properties offer
 * (user/password, token, nkey seed file, a credentials file on an operator-mode server trusting a {@link
 * TestOperator}) and TLS with a client certificate from a Spring Boot SSL bundle: each connects with the right secret,
 * and a wrong or missing one fails the start with the URL and the way out.
 */
class NatsConnectionIT {
    @TempDir
    Path dir;

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class, JsContractNatsAutoConfiguration.class))
            .withPropertyValues("jscontract.nats.connection-timeout=2s");

    private static ContextConsumer<AssertableApplicationContext> connected(String expectedUrlPart) {
        return context -> {
            assertThat(context).hasNotFailed();
            Connection connection = context.getBean(Connection.class);
            assertThat(connection.getStatus()).isEqualTo(Connection.Status.CONNECTED);
            assertThat(connection.getConnectedUrl()).contains(expectedUrlPart);
            connection.flush(java.time.Duration.ofSeconds(2)); // a round trip: the server accepted us
        };
    }

    private static ContextConsumer<AssertableApplicationContext> refused(String url) {
        return context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure())
                    .hasStackTraceContaining("cannot connect to NATS at [" + url + "] (jscontract.nats.servers)")
                    .hasStackTraceContaining("the credentials are right");
        };
    }

    @Test
    void userAndPassword() {
        try (NatsServer server = NatsServers.start("authorization { user: app, password: s3cret }")) {
            String url = server.url();
            runner.withPropertyValues(
                            "jscontract.nats.servers=" + url,
                            "jscontract.nats.username=app",
                            "jscontract.nats.password=s3cret")
                    .run(connected(String.valueOf(server.port())));
            runner.withPropertyValues(
                            "jscontract.nats.servers=" + url,
                            "jscontract.nats.username=app",
                            "jscontract.nats.password=wrong")
                    .run(refused(url));
            runner.withPropertyValues("jscontract.nats.servers=" + url).run(refused(url));
        }
    }

    @Test
    void token() {
        try (NatsServer server = NatsServers.start("authorization { token: t0ken-of-app }")) {
            String url = server.url();
            runner.withPropertyValues("jscontract.nats.servers=" + url, "jscontract.nats.token=t0ken-of-app")
                    .run(connected(String.valueOf(server.port())));
            runner.withPropertyValues("jscontract.nats.servers=" + url, "jscontract.nats.token=other")
                    .run(refused(url));
        }
    }

    @Test
    void nkeySeedFile() throws Exception {
        NKey user = NKey.createUser(new SecureRandom());
        Path seed = Files.writeString(dir.resolve("user.nk"), new String(user.getSeed()) + "\n");
        NKey stranger = NKey.createUser(new SecureRandom());
        Path strangerSeed = Files.writeString(dir.resolve("stranger.nk"), new String(stranger.getSeed()));
        String config = "authorization { users = [ { nkey: " + new String(user.getPublicKey()) + " } ] }";
        try (NatsServer server = NatsServers.start(config)) {
            String url = server.url();
            runner.withPropertyValues("jscontract.nats.servers=" + url, "jscontract.nats.nkey=" + seed)
                    .run(connected(String.valueOf(server.port())));
            runner.withPropertyValues("jscontract.nats.servers=" + url, "jscontract.nats.nkey=" + strangerSeed)
                    .run(refused(url));
        }
    }

    @Test
    void tlsWithAClientCertificateFromAPemSslBundle() throws Exception {
        new TestPki(dir)
                .ca()
                .signed("server", "serverAuth", "SAN=ip:127.0.0.1,dns:localhost")
                .signed("client", "clientAuth", null);
        String tls = "tls { cert_file: \"" + dir.resolve("server.pem") + "\", key_file: \""
                + dir.resolve("server-key.pem") + "\", ca_file: \"" + dir.resolve("ca.pem") + "\", verify: true }";
        try (NatsServer server = NatsServers.start(tls)) {
            String url = "tls://127.0.0.1:" + server.port();
            String bundle = "spring.ssl.bundle.pem.nats.";
            runner.withPropertyValues(
                            "jscontract.nats.servers=" + url,
                            "jscontract.nats.ssl-bundle=nats",
                            bundle + "keystore.certificate=file:" + dir.resolve("client.pem"),
                            bundle + "keystore.private-key=file:" + dir.resolve("client-key.pem"),
                            bundle + "truststore.certificate=file:" + dir.resolve("ca.pem"))
                    .run(connected(String.valueOf(server.port())));
            // trusts the server, but shows no client certificate: the server's verify refuses it
            runner.withPropertyValues(
                            "jscontract.nats.servers=" + url,
                            "jscontract.nats.ssl-bundle=nats",
                            bundle + "truststore.certificate=file:" + dir.resolve("ca.pem"))
                    .run(refused(url));
        }
    }

    @Test
    void credentialsFileOnAnOperatorModeServer() throws Exception {
        TestOperator operator = TestOperator.create(dir);
        TestOperator stranger = TestOperator.create(Files.createDirectories(dir.resolve("stranger")));
        try (NatsServer server = NatsServers.start(operator.serverConfig())) {
            String url = server.url();
            runner.withPropertyValues(
                            "jscontract.nats.servers=" + url, "jscontract.nats.credentials=" + operator.credsFile())
                    .run(context -> {
                        connected(String.valueOf(server.port())).accept(context);
                        // the user's account has JetStream: the account JWT grants it storage
                        assertThat(context.getBean(Connection.class)
                                        .jetStreamManagement()
                                        .getAccountStatistics()
                                        .getLimits()
                                        .getMaxStreams())
                                .isEqualTo(-1);
                    });
            runner.withPropertyValues(
                            "jscontract.nats.servers=" + url, "jscontract.nats.credentials=" + stranger.credsFile())
                    .run(refused(url));
        }
    }
}
