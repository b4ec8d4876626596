package dev.jscontract.cli.internal.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jscontract.cli.CliException;
import dev.jscontract.cli.Environment;
import dev.jscontract.cli.ExitCodes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How flags, NATS_* variables and nats CLI contexts combine, and the error texts when they do not. */
class SettingsResolverTest {
    @TempDir
    Path home;

    private final Map<String, String> vars = new HashMap<>();

    private SettingsResolver resolver() {
        vars.put("HOME", home.toString());
        return new SettingsResolver(Environment.of(vars));
    }

    private Path context(String name, String json) throws IOException {
        Path dir = home.resolve(".config/nats/context");
        Files.createDirectories(dir);
        return Files.writeString(dir.resolve(name + ".json"), json);
    }

    private static ConnectionFlags flags(String server, String context, String user, String password) {
        return new ConnectionFlags(
                server, context, user, password, null, null, null, null, null, null, null, null, null);
    }

    @Test
    void defaultsWithoutFlagsVariablesOrContext() {
        ConnectionSettings s = resolver().resolve(ConnectionFlags.none());
        assertThat(s.url()).isEqualTo("nats://127.0.0.1:4222");
        assertThat(s.auth()).isEqualTo(ConnectionSettings.Auth.NONE);
        assertThat(s.timeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(s.source()).isEqualTo("default");
    }

    @Test
    void theSelectedContextFromContextTxtUnderXdgConfigHome() throws IOException {
        Path xdg = home.resolve("xdg");
        Files.createDirectories(xdg.resolve("nats/context"));
        Files.writeString(xdg.resolve("nats/context.txt"), "prod\n");
        Files.writeString(
                xdg.resolve("nats/context/prod.json"),
                "{\"url\":\"nats://prod:4222\",\"user\":\"ops\",\"password\":\"env://OPS_PW\",\"description\":\"x\","
                        + "\"jetstream_domain\":\"hub\",\"inbox_prefix\":\"_I.ops\",\"color_scheme\":\"dark\"}");
        vars.put("XDG_CONFIG_HOME", xdg.toString());
        vars.put("OPS_PW", "s3cret");
        ConnectionSettings s = resolver().resolve(ConnectionFlags.none());
        assertThat(s.url()).isEqualTo("nats://prod:4222");
        assertThat(s.user()).isEqualTo("ops");
        assertThat(s.password()).isEqualTo("s3cret");
        assertThat(s.jsApiPrefix()).isEqualTo("$JS.hub.API.");
        assertThat(s.inboxPrefix()).isEqualTo("_I.ops");
        assertThat(s.source()).isEqualTo("context 'prod'");
        assertThat(s.toString()).doesNotContain("s3cret");
    }

    @Test
    void flagsOverrideVariablesWhichOverrideTheContext() throws IOException {
        context("dev", "{\"url\":\"nats://ctx:4222\",\"user\":\"ctx-user\",\"password\":\"ctx-pw\"}");
        vars.put("NATS_CONTEXT", "dev");
        vars.put("NATS_URL", "nats://env:4222");
        vars.put("NATS_PASSWORD", "env-pw");
        ConnectionSettings env = resolver().resolve(ConnectionFlags.none());
        assertThat(env.url()).isEqualTo("nats://env:4222");
        assertThat(env.user()).as("the user from the context").isEqualTo("ctx-user");
        assertThat(env.password()).as("the password from the environment").isEqualTo("env-pw");
        ConnectionSettings flag = resolver().resolve(flags("nats://flag:4222", null, "flag-user", "flag-pw"));
        assertThat(flag.url()).isEqualTo("nats://flag:4222");
        assertThat(flag.user()).isEqualTo("flag-user");
        assertThat(flag.password()).isEqualTo("flag-pw");
    }

    @Test
    void aHigherLevelAuthMethodReplacesTheContextsAndTwoAtOneLevelAreAnError() throws IOException {
        Path seed = Files.writeString(home.resolve("user.nk"), "SUAM...\n");
        context("c", "{\"user\":\"u\",\"password\":\"p\"}");
        vars.put("NATS_CONTEXT", "c");
        vars.put("NATS_NKEY", "~/user.nk");
        ConnectionSettings s = resolver().resolve(ConnectionFlags.none());
        assertThat(s.auth()).isEqualTo(ConnectionSettings.Auth.NKEY);
        assertThat(s.nkey()).isEqualTo(seed);
        assertThat(s.user()).isNull();
        vars.put("NATS_USER", "x");
        assertThatThrownBy(() -> resolver().resolve(ConnectionFlags.none()))
                .isInstanceOf(CliException.class)
                .hasMessage("the environment gives more than one way to authenticate (NATS_USER, NATS_NKEY); keep one"
                        + " of them");
    }

    @Test
    void secretsFromEnvFileAndDataUrlsAndPathsWithTildeAndVariables() throws IOException {
        Files.writeString(home.resolve("token.txt"), "tok-from-file\n");
        vars.put("SECRETS", home.toString());
        SettingsResolver r = resolver();
        assertThat(r.secret("file://$SECRETS/token.txt", "token")).isEqualTo("tok-from-file");
        assertThat(r.secret("file://~/token.txt", "token")).isEqualTo("tok-from-file");
        assertThat(r.secret("data:;base64,czNjcmV0", "password")).isEqualTo("s3cret");
        assertThat(r.secret("data:,plain%20text", "password")).isEqualTo("plain text");
        assertThat(r.secret("literal", "password")).isEqualTo("literal");
        assertThat(r.expandPath("${SECRETS}/x.creds", "creds")).isEqualTo(home.resolve("x.creds"));
        assertThatThrownBy(() -> r.secret("env://NOPE", "password"))
                .hasMessage("password is env://NOPE but the environment variable NOPE is not set; export it or change"
                        + " the value");
        assertThatThrownBy(() -> r.expandPath("$NOPE/x.creds", "creds"))
                .hasMessage("creds path '$NOPE/x.creds' uses $NOPE, which is not set; export it or write the path out");
        assertThatThrownBy(() -> r.secret("data:;base64,***", "token"))
                .hasMessageStartingWith("token is a data:;base64 URL whose data is not base64");
    }

    @Test
    void contextByFileAndClearErrorsForMissingOrBrokenContexts() throws IOException {
        Path file = Files.writeString(home.resolve("mine.json"), "{\"url\":\"nats://file:4222\",\"tls_first\":true}");
        ConnectionSettings s = resolver().resolve(flags(null, file.toString(), null, null));
        assertThat(s.url()).isEqualTo("nats://file:4222");
        assertThat(s.tlsFirst()).isTrue();
        assertThat(s.source()).isEqualTo("context 'mine'");

        assertThatThrownBy(() -> resolver().resolve(flags(null, "nope", null, null)))
                .isInstanceOfSatisfying(
                        CliException.class, e -> assertThat(e.getExitCode()).isEqualTo(ExitCodes.UNAVAILABLE))
                .hasMessage("nats context 'nope' (given with --context) does not exist: "
                        + home.resolve(".config/nats/context/nope.json") + " is missing; create it with `nats context"
                        + " save nope`, or give --context with an existing name or .json file");
        context("broken", "{\"url\": 42}");
        assertThatThrownBy(() -> resolver().resolve(flags(null, "broken", null, null)))
                .hasMessage("nats context file " + home.resolve(".config/nats/context/broken.json") + ": url must be a"
                        + " string but was 42; fix the file");
        context("both", "{\"creds\":\"a\",\"nkey\":\"b\"}");
        assertThatThrownBy(() -> resolver().resolve(flags(null, "both", null, null)))
                .hasMessage("the context 'both' (" + home.resolve(".config/nats/context/both.json") + ") gives more"
                        + " than one way to authenticate (creds, nkey); keep one of them");
    }

    @Test
    void tlsFilesMustComeInPairsAndExist() throws IOException {
        Path cert = Files.writeString(home.resolve("c.pem"), "x");
        vars.put("NATS_CERT", cert.toString());
        assertThatThrownBy(() -> resolver().resolve(ConnectionFlags.none()))
                .hasMessage("a client certificate was given (" + cert + ") without its key; add --tlskey (or"
                        + " NATS_KEY)");
        vars.put("NATS_KEY", home.resolve("missing.pem").toString());
        assertThatThrownBy(() -> resolver().resolve(ConnectionFlags.none()))
                .hasMessage("tlskey file " + home.resolve("missing.pem")
                        + " does not exist or cannot be read; check the" + " path");
        vars.remove("NATS_CERT");
        vars.remove("NATS_KEY");
        vars.put("NATS_PASSWORD", "p");
        assertThatThrownBy(() -> resolver().resolve(ConnectionFlags.none()))
                .hasMessage("a password was given (NATS_PASSWORD) but no user; add --user (or NATS_USER)");
    }
}
