package dev.jscontract.spring.boot.autoconfigure;

import io.nats.client.AuthHandler;
import io.nats.client.Connection;
import io.nats.client.NKey;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.ssl.NoSuchSslBundleException;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * A jnats {@link Connection} from {@code jscontract.nats.*}, unless the application defines its own {@code
 * Connection} bean. Reconnects without limit by default (a consumer that outlives an outage needs its connection
 * to), and the connection is closed when the context closes, after the consumers and the relay have stopped.
 */
@AutoConfiguration
@ConditionalOnClass(Connection.class)
@EnableConfigurationProperties(JsContractProperties.class)
public class JsContractNatsAutoConfiguration {
    private static final Pattern USER_SEED = Pattern.compile("SU[A-Z2-7]{56}");

    /**
     * Connects at start; a server that cannot be reached fails the start with the URLs tried.
     *
     * @throws IllegalStateException when the server cannot be reached or refuses the credentials
     * @throws InvalidConfigurationPropertyValueException when a {@code jscontract.nats.*} value is invalid
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean(Connection.class)
    public Connection jscontractNatsConnection(
            JsContractProperties properties, ObjectProvider<SslBundles> sslBundles, Environment environment)
            throws InterruptedException {
        Options options = options(properties.getNats(), sslBundles.getIfAvailable(), environment);
        try {
            return Nats.connect(options);
        } catch (IOException e) {
            throw new IllegalStateException(
                    "cannot connect to NATS at " + properties.getNats().getServers() + " (jscontract.nats.servers): "
                            + e.getMessage() + "; check that nats-server runs there and the credentials are right,"
                            + " or define your own io.nats.client.Connection bean",
                    e);
        }
    }

    /** The jnats options for the properties; package-private for tests. */
    static Options options(
            JsContractProperties.Nats nats,
            @org.jspecify.annotations.Nullable SslBundles bundles,
            Environment environment) {
        List<String> servers = nats.getServers();
        if (servers == null || servers.isEmpty()) {
            throw new InvalidConfigurationPropertyValueException(
                    "jscontract.nats.servers",
                    servers,
                    "at least one server URL is required, e.g. nats://localhost:4222");
        }
        List<String> urls = new ArrayList<>();
        for (String s : servers) {
            if (s == null || s.isBlank() || !s.matches("^(nats|tls|ws|wss|opentls)://[^\\s]+$|^[^\\s:/]+:\\d+$")) {
                throw new InvalidConfigurationPropertyValueException(
                        "jscontract.nats.servers",
                        s,
                        "a server URL looks like nats://host:4222 (schemes nats, tls, ws, wss, opentls)");
            }
            urls.add(s);
        }
        if (nats.getMaxReconnects() < -1) {
            throw new InvalidConfigurationPropertyValueException(
                    "jscontract.nats.max-reconnects", nats.getMaxReconnects(), "use -1 for unlimited, or 0 or more");
        }
        positive("jscontract.nats.reconnect-wait", nats.getReconnectWait());
        positive("jscontract.nats.connection-timeout", nats.getConnectionTimeout());
        String name = nats.getConnectionName() != null
                ? nats.getConnectionName()
                : environment.getProperty("spring.application.name", "jscontract");
        Options.Builder b = Options.builder()
                .servers(urls.toArray(String[]::new))
                .connectionName(name)
                .maxReconnects(nats.getMaxReconnects())
                .reconnectWait(nats.getReconnectWait())
                .connectionTimeout(nats.getConnectionTimeout());
        int methods = 0;
        if (nats.getUsername() != null) {
            methods++;
            b.userInfo(nats.getUsername(), nats.getPassword() == null ? "" : nats.getPassword());
        } else if (nats.getPassword() != null) {
            throw new InvalidConfigurationPropertyValueException(
                    "jscontract.nats.password", "******", "a password needs jscontract.nats.username");
        }
        if (nats.getToken() != null) {
            methods++;
            b.token(nats.getToken().toCharArray());
        }
        if (nats.getCredentials() != null) {
            methods++;
            if (!Files.isReadable(nats.getCredentials())) {
                throw new InvalidConfigurationPropertyValueException(
                        "jscontract.nats.credentials",
                        nats.getCredentials(),
                        "the file does not exist or is not readable");
            }
            b.authHandler(Nats.credentials(nats.getCredentials().toString()));
        }
        if (nats.getNkey() != null) {
            methods++;
            b.authHandler(nkey(nats.getNkey()));
        }
        if (methods > 1) {
            throw new InvalidConfigurationPropertyValueException(
                    "jscontract.nats",
                    "username/token/credentials/nkey",
                    "set only one authentication method of username/password, token, credentials and nkey");
        }
        if (nats.getSslBundle() != null) {
            if (bundles == null) {
                throw new InvalidConfigurationPropertyValueException(
                        "jscontract.nats.ssl-bundle", nats.getSslBundle(), "no SslBundles bean in the context");
            }
            try {
                b.sslContext(bundles.getBundle(nats.getSslBundle()).createSslContext());
            } catch (NoSuchSslBundleException e) {
                throw new InvalidConfigurationPropertyValueException(
                        "jscontract.nats.ssl-bundle",
                        nats.getSslBundle(),
                        "no such SSL bundle; declare it under spring.ssl.bundle.pem.<name> or spring.ssl.bundle.jks.<name>");
            }
        }
        return b.build();
    }

    private static void positive(String property, Duration d) {
        if (d == null || d.isZero() || d.isNegative()) {
            throw new InvalidConfigurationPropertyValueException(property, d, "must be a positive duration, e.g. 2s");
        }
    }

    private static AuthHandler nkey(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new InvalidConfigurationPropertyValueException(
                    "jscontract.nats.nkey", file, "the file cannot be read: " + e.getMessage());
        }
        Matcher m = USER_SEED.matcher(text);
        if (!m.find()) {
            throw new InvalidConfigurationPropertyValueException(
                    "jscontract.nats.nkey",
                    file,
                    "the file holds no user seed (a line starting with SU); make one with" + " `nk -gen user`");
        }
        NKey key = NKey.fromSeed(m.group().toCharArray());
        char[] id;
        try {
            id = key.getPublicKey();
        } catch (GeneralSecurityException | IOException e) {
            throw new InvalidConfigurationPropertyValueException(
                    "jscontract.nats.nkey", file, "the seed is invalid: " + e.getMessage());
        }
        return new AuthHandler() {
            @Override
            public byte[] sign(byte[] nonce) {
                try {
                    return key.sign(nonce);
                } catch (GeneralSecurityException | IOException e) {
                    throw new IllegalStateException("cannot sign the server nonce with the nkey of " + file, e);
                }
            }

            @Override
            public char[] getID() {
                return id;
            }

            @Override
            public char[] getJWT() {
                return null;
            }
        };
    }
}
