package dev.jscontract.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.NatsServers;
import dev.jscontract.testing.TestPki;
import io.nats.client.NKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Connecting like the {@code nats} CLI, against servers started by the test that require a user and password, an
 * nkey, or TLS with client certificates (generated here with the JDK's keytool): saved contexts in a temporary
 * XDG_CONFIG_HOME (selected in context.txt, named with --context or NATS_CONTEXT, or given as a file), NATS_*
 * variables and flags over them, and secrets from env:// and file:// values.
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
}
