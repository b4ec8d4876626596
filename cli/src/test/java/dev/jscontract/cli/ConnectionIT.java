package dev.jscontract.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.NatsServers;
import dev.jscontract.testing.TestOperator;
import dev.jscontract.testing.TestPki;
import io.nats.client.NKey;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Connecting like the {@code nats} CLI, against servers started by the test that require a user and password, a
 * token, an nkey, a credentials file (an operator-mode server trusting a {@link TestOperator}), or TLS with our own CA
 * and client certificates (generated here with the JDK's keytool): saved contexts in a temporary XDG_CONFIG_HOME
 * (selected in context.txt, named with --context or NATS_CONTEXT, or given as a file), NATS_* variables and flags over
 * them, secrets from env:// and file:// values, and the connect timeout from NATS_TIMEOUT.
 */
class ConnectionIT {
    private static final String NO_STREAMS =
            "no dead-letter streams (DLQ_*) on this server: nothing was dead-lettered" + " yet\n";

    @TempDir
    Path dir;

    private static void context(CliRun cli, String name, String json, boolean select) throws Exception {
        Path ctx = cli.configHome().resolve("nats/context");
        Files.createDirectories(ctx);
        Files.writeString(ctx.resolve(name + ".json"), json);
        if (select) {
            Files.writeString(cli.configHome().resolve("nats/context.txt"), name);
        }
    }

    @Test
    void userAndPasswordFromTheSelectedContextTheEnvironmentAndFlags() throws Exception {
        try (NatsServer server = NatsServers.start("authorization { user: ops, password: s3cret }")) {
            CliRun cli = CliRun.isolated().env("OPS_PW", "s3cret");
            context(
                    cli,
                    "prod",
                    "{\"url\":\"" + server.url() + "\",\"user\":\"ops\",\"password\":\"env://OPS_PW\"}",
                    true);
            CliRun.Result ok = cli.run("dlq", "stats");
            assertThat(ok.code()).as(ok.toString()).isZero();
            assertThat(ok.out()).isEqualTo(NO_STREAMS);

            CliRun.Result wrongFlag = cli.run("dlq", "stats", "--password", "wrong", "--timeout", "1s");
            assertThat(wrongFlag.code()).isEqualTo(ExitCodes.UNAVAILABLE);
            assertThat(wrongFlag.err())
                    .startsWith("jscontract: error: cannot connect to " + server.url() + " (context 'prod'): ")
                    .containsIgnoringCase("authorization")
                    .endsWith("; check the credentials (--user/--password, --creds, --nkey, --token or the"
                            + " context)\n");

            CliRun bad = CliRun.isolated();
            context(bad, "prod", "{\"url\":\"" + server.url() + "\",\"user\":\"ops\",\"password\":\"old\"}", false);
            Path pw = Files.writeString(dir.resolve("pw"), "s3cret\n");
            CliRun.Result fromEnv = bad.env("NATS_CONTEXT", "prod")
                    .env("NATS_PASSWORD", "file://" + pw)
                    .run("dlq", "stats");
            assertThat(fromEnv.code())
                    .as("NATS_PASSWORD over the context's password: " + fromEnv)
                    .isZero();

            CliRun.Result anonymous = CliRun.at(server.url()).run("dlq", "stats", "--timeout", "1s");
            assertThat(anonymous.code()).isEqualTo(ExitCodes.UNAVAILABLE);
        }
    }

    @Test
    void anNkeyFromAFlagTheEnvironmentOrAContextFile() throws Exception {
        NKey user = NKey.createUser(new SecureRandom());
        Path seed = Files.writeString(dir.resolve("user.nk"), new String(user.getSeed()) + "\n");
        String config = "authorization { users = [ { nkey: " + new String(user.getPublicKey()) + " } ] }";
        try (NatsServer server = NatsServers.start(config)) {
            CliRun.Result flag = CliRun.at(server.url()).run("dlq", "stats", "--nkey", seed.toString());
            assertThat(flag.code()).as(flag.toString()).isZero();
            assertThat(flag.out()).isEqualTo(NO_STREAMS);
            assertThat(CliRun.at(server.url())
                            .env("NATS_NKEY", seed.toString())
                            .run("dlq", "stats")
                            .code())
                    .isZero();
            CliRun cli = CliRun.isolated().env("KEYS", dir.toString());
            Path file = Files.writeString(
                    dir.resolve("edge.json"), "{\"url\":\"" + server.url() + "\",\"nkey\":\"$KEYS/user.nk\"}");
            CliRun.Result ctx = cli.run("--context", file.toString(), "dlq", "stats");
            assertThat(ctx.code()).as(ctx.toString()).isZero();
            assertThat(CliRun.at(server.url())
                            .run("dlq", "stats", "--timeout", "1s")
                            .code())
                    .isEqualTo(ExitCodes.UNAVAILABLE);
        }
    }

    @Test
    void tlsWithAClientCertificateAndOurOwnCa() throws Exception {
        TestPki pki = new TestPki(dir);
        pki.ca();
        pki.signed("server", "serverAuth", "SAN=ip:127.0.0.1,dns:localhost");
        pki.signed("client", "clientAuth", null);
        String tls = "tls { cert_file: \"" + dir.resolve("server.pem") + "\", key_file: \""
                + dir.resolve("server-key.pem") + "\", ca_file: \"" + dir.resolve("ca.pem") + "\", verify: true }";
        try (NatsServer server = NatsServers.start(tls)) {
            String url = "tls://127.0.0.1:" + server.port();
            CliRun cli = CliRun.isolated().env("PKI", dir.toString());
            context(
                    cli,
                    "secure",
                    "{\"url\":\"" + url + "\",\"cert\":\"$PKI/client.pem\",\"key\":\"${PKI}/client-key"
                            + ".pem\",\"ca\":\"" + dir.resolve("ca.pem") + "\"}",
                    true);
            CliRun.Result ok = cli.run("dlq", "stats");
            assertThat(ok.code()).as(ok.toString()).isZero();
            assertThat(ok.out()).isEqualTo(NO_STREAMS);

            CliRun.Result flags = CliRun.isolated()
                    .run(
                            "-s",
                            url,
                            "--tlsca",
                            dir.resolve("ca.pem").toString(),
                            "--tlscert",
                            dir.resolve("client.pem").toString(),
                            "--tlskey",
                            dir.resolve("client-key.pem").toString(),
                            "dlq",
                            "stats");
            assertThat(flags.code()).as(flags.toString()).isZero();

            CliRun.Result noClientCert = CliRun.isolated()
                    .run("-s", url, "--tlsca", dir.resolve("ca.pem").toString(), "--timeout", "1s", "dlq", "stats");
            assertThat(noClientCert.code()).isEqualTo(ExitCodes.UNAVAILABLE);
            assertThat(noClientCert.err()).startsWith("jscontract: error: cannot connect to " + url + " (--server): ");
            CliRun.Result untrusted = CliRun.isolated().run("-s", url, "--timeout", "1s", "dlq", "stats");
            assertThat(untrusted.code()).as("the JVM does not trust our CA").isEqualTo(ExitCodes.UNAVAILABLE);
            CliRun.Result notPem = CliRun.isolated()
                    .run("-s", url, "--tlsca", dir.resolve("server.p12").toString(), "dlq", "stats");
            assertThat(notPem.code()).isEqualTo(ExitCodes.USAGE);
            assertThat(notPem.err())
                    .startsWith("jscontract: error: --tlsca file " + dir.resolve("server.p12") + " is"
                            + " not a PEM certificate");
        }
    }

    @Test
    void aCredsFileFromAFlagTheEnvironmentOrAContext() throws Exception {
        TestOperator operator = TestOperator.create(dir);
        TestOperator stranger = TestOperator.create(Files.createDirectories(dir.resolve("stranger")));
        try (NatsServer server = NatsServers.start(operator.serverConfig())) {
            String creds = operator.credsFile().toString();
            CliRun.Result flag = CliRun.at(server.url()).run("dlq", "stats", "--creds", creds);
            assertThat(flag.code()).as(flag.toString()).isZero();
            assertThat(flag.out()).as("the account's JetStream API answered").isEqualTo(NO_STREAMS);

            CliRun.Result env = CliRun.at(server.url()).env("NATS_CREDS", creds).run("dlq", "stats");
            assertThat(env.code()).as(env.toString()).isZero();
            assertThat(env.out()).isEqualTo(NO_STREAMS);

            CliRun cli = CliRun.isolated().env("OPS_KEYS", dir.toString());
            context(cli, "ops", "{\"url\":\"" + server.url() + "\",\"creds\":\"$OPS_KEYS/user.creds\"}", true);
            CliRun.Result ctx = cli.run("dlq", "stats");
            assertThat(ctx.code()).as(ctx.toString()).isZero();
            assertThat(ctx.out()).isEqualTo(NO_STREAMS);

            CliRun.Result foreign = CliRun.at(server.url())
                    .env("NATS_CREDS", creds)
                    .run("dlq", "stats", "--creds", stranger.credsFile().toString(), "--timeout", "1s");
            assertThat(foreign.code())
                    .as("--creds over NATS_CREDS; the server does not trust the other operator: " + foreign)
                    .isEqualTo(ExitCodes.UNAVAILABLE);
            assertThat(foreign.err())
                    .startsWith("jscontract: error: cannot connect to " + server.url() + " (NATS_URL): ")
                    .containsIgnoringCase("authorization")
                    .endsWith("; check the credentials (--user/--password, --creds, --nkey, --token or the"
                            + " context)\n");
            assertThat(CliRun.at(server.url())
                            .run("dlq", "stats", "--timeout", "1s")
                            .code())
                    .as("no credentials")
                    .isEqualTo(ExitCodes.UNAVAILABLE);
        }
    }

    @Test
    void aTokenFromAFlagTheEnvironmentOrAContext() throws Exception {
        try (NatsServer server = NatsServers.start("authorization { token: \"t0ken-of-ops\" }")) {
            CliRun.Result flag = CliRun.at(server.url()).run("dlq", "stats", "--token", "t0ken-of-ops");
            assertThat(flag.code()).as(flag.toString()).isZero();
            assertThat(flag.out()).isEqualTo(NO_STREAMS);

            CliRun.Result env =
                    CliRun.at(server.url()).env("NATS_TOKEN", "t0ken-of-ops").run("dlq", "stats");
            assertThat(env.code()).as(env.toString()).isZero();

            CliRun cli = CliRun.isolated().env("OPS_TOKEN", "t0ken-of-ops");
            context(cli, "ops", "{\"url\":\"" + server.url() + "\",\"token\":\"env://OPS_TOKEN\"}", true);
            CliRun.Result ctx = cli.run("dlq", "stats");
            assertThat(ctx.code()).as(ctx.toString()).isZero();

            CliRun.Result wrong = cli.env("NATS_TOKEN", "stale").run("dlq", "stats", "--timeout", "1s");
            assertThat(wrong.code())
                    .as("NATS_TOKEN over the context's token: " + wrong)
                    .isEqualTo(ExitCodes.UNAVAILABLE);
            assertThat(wrong.err())
                    .startsWith("jscontract: error: cannot connect to " + server.url() + " (context 'ops'): ")
                    .containsIgnoringCase("authorization");
        }
    }

    @Test
    void theCaFromNatsCaVerifiesTheServerAndTlscaOverridesIt() throws Exception {
        new TestPki(dir).ca().signed("server", "serverAuth", "SAN=ip:127.0.0.1,dns:localhost");
        Path otherDir = Files.createDirectories(dir.resolve("other"));
        new TestPki(otherDir).ca();
        String tls = "tls { cert_file: \"" + dir.resolve("server.pem") + "\", key_file: \""
                + dir.resolve("server-key.pem") + "\" }";
        try (NatsServer server = NatsServers.start(tls)) {
            String url = "tls://127.0.0.1:" + server.port();
            String ca = dir.resolve("ca.pem").toString();
            String otherCa = otherDir.resolve("ca.pem").toString();

            CliRun.Result env = CliRun.at(url).env("NATS_CA", ca).run("dlq", "stats");
            assertThat(env.code()).as(env.toString()).isZero();
            assertThat(env.out()).isEqualTo(NO_STREAMS);

            CliRun.Result wrongCa = CliRun.at(url).env("NATS_CA", otherCa).run("dlq", "stats", "--timeout", "1s");
            assertThat(wrongCa.code())
                    .as("a CA that did not sign the server's certificate: " + wrongCa)
                    .isEqualTo(ExitCodes.UNAVAILABLE);
            assertThat(wrongCa.err()).startsWith("jscontract: error: cannot connect to " + url + " (NATS_URL): ");

            CliRun.Result flag = CliRun.at(url).env("NATS_CA", otherCa).run("dlq", "stats", "--tlsca", ca);
            assertThat(flag.code()).as("--tlsca over NATS_CA: " + flag).isZero();

            CliRun.Result missing = CliRun.at(url)
                    .env("NATS_CA", dir.resolve("nope.pem").toString())
                    .run("dlq", "stats");
            assertThat(missing.code()).isEqualTo(ExitCodes.UNAVAILABLE);
            assertThat(missing.err())
                    .isEqualTo("jscontract: error: tlsca file " + dir.resolve("nope.pem")
                            + " does not exist or cannot be read; check the path\n");
        }
    }

    @Test
    void natsTimeoutBoundsTheConnectAndABadOneIsAUsageError() throws Exception {
        // A listener that never accepts: the kernel completes the TCP handshake, nobody sends INFO, so only the
        // connect timeout ends the attempt.
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            String url = "nats://127.0.0.1:" + silent.getLocalPort();

            long start = System.nanoTime();
            CliRun.Result fromEnv = CliRun.at(url).env("NATS_TIMEOUT", "500ms").run("dlq", "stats");
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(fromEnv.code()).as(fromEnv.toString()).isEqualTo(ExitCodes.UNAVAILABLE);
            assertThat(fromEnv.err()).startsWith("jscontract: error: cannot connect to " + url + " (NATS_URL): ");
            assertThat(took)
                    .as("NATS_TIMEOUT=500ms, not the 5s default")
                    .isBetween(Duration.ofMillis(450), Duration.ofMillis(3000));

            start = System.nanoTime();
            CliRun.Result flag = CliRun.at(url).env("NATS_TIMEOUT", "500ms").run("dlq", "stats", "--timeout", "2s");
            Duration flagTook = Duration.ofNanos(System.nanoTime() - start);
            assertThat(flag.code()).isEqualTo(ExitCodes.UNAVAILABLE);
            assertThat(flagTook)
                    .as("--timeout 2s over NATS_TIMEOUT")
                    .isBetween(Duration.ofMillis(1950), Duration.ofMillis(4500));
        }

        CliRun.Result bad =
                CliRun.at("nats://127.0.0.1:1").env("NATS_TIMEOUT", "soon").run("dlq", "stats");
        assertThat(bad.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(bad.err())
                .isEqualTo("jscontract: error: NATS_TIMEOUT must be a duration like 500ms, 5s, 2h, 1h30m, 7d or PT5S"
                        + " but was 'soon'\n");
        CliRun.Result zero =
                CliRun.at("nats://127.0.0.1:1").env("NATS_TIMEOUT", "0s").run("dlq", "stats");
        assertThat(zero.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(zero.err())
                .isEqualTo("jscontract: error: NATS_TIMEOUT must be a positive duration but was '0s'; e.g. 5s, 2m,"
                        + " 1h\n");
    }
}
