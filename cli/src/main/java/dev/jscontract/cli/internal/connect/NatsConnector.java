package dev.jscontract.cli.internal.connect;

import dev.jscontract.cli.CliException;
import dev.jscontract.cli.ExitCodes;
import io.nats.client.AuthHandler;
import io.nats.client.Connection;
import io.nats.client.ErrorListener;
import io.nats.client.NKey;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connects jnats with {@link ConnectionSettings}: fails fast when the server cannot be reached (no retry on the
 * first connect), reconnects during a long replay, and logs connection events through SLF4J instead of jnats'
 * default listener (which prints to the terminal).
 */
public final class NatsConnector {
    private static final Logger LOG = LoggerFactory.getLogger(NatsConnector.class);
    private static final Pattern USER_SEED = Pattern.compile("SU[A-Z2-7]{56}");

    private NatsConnector() {}

    /** The jnats options for the settings. */
    public static Options options(ConnectionSettings s) {
        Options.Builder b = Options.builder()
                .servers(s.url().split(","))
                .connectionName("jscontract")
                .connectionTimeout(s.timeout())
                .maxReconnects(60)
                .reconnectWait(Duration.ofMillis(500))
                .errorListener(new LoggingErrorListener());
        switch (s.auth()) {
            case USER -> {
                if (s.password() != null) {
                    b.userInfo(s.user(), s.password());
                } else {
                    b.userInfo(s.user(), "");
                }
            }
            case TOKEN -> b.token(s.token().toCharArray());
            case CREDS -> b.authHandler(Nats.credentials(s.creds().toString()));
            case NKEY -> b.authHandler(nkey(s.nkey()));
            case JWT ->
                b.authHandler(
                        Nats.staticCredentials(s.jwt().toCharArray(), s.seed().toCharArray()));
            case NONE -> {
                // no credentials
            }
        }
        if (s.tls()) {
            b.sslContext(PemTls.context(s.tlsCert(), s.tlsKey(), s.tlsCa()));
        }
        if (s.tlsFirst()) {
            b.tlsFirst();
        }
        if (s.inboxPrefix() != null) {
            b.inboxPrefix(s.inboxPrefix());
        }
        return b.build();
    }

    /**
     * Connects.
     *
     * @throws CliException (exit 3) when the server cannot be reached or refuses the credentials
     */
    public static Connection connect(ConnectionSettings s) {
        Options options = options(s);
        try {
            return Nats.connect(options);
        } catch (IOException e) {
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            String hint = why.toLowerCase(java.util.Locale.ROOT).contains("authorization")
                    ? "check the credentials (--user/--password, --creds, --nkey, --token or the context)"
                    : "check that nats-server runs there, or give -s/--server or --context";
            throw new CliException(
                    ExitCodes.UNAVAILABLE,
                    "cannot connect to " + s.url() + " (" + s.source() + "): " + why + "; " + hint,
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCodes.UNAVAILABLE, "interrupted while connecting to " + s.url(), e);
        }
    }

    /** An auth handler signing the server's nonce with the user seed in {@code file}. */
    static AuthHandler nkey(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new CliException(ExitCodes.UNAVAILABLE, "cannot read the nkey file " + file + ": " + e, e);
        }
        Matcher m = USER_SEED.matcher(text);
        if (!m.find()) {
            throw CliException.usage("nkey file " + file + " holds no user seed (a line starting with SU); generate"
                    + " one with `nk -gen user`");
        }
        char[] seed = m.group().toCharArray();
        NKey key = NKey.fromSeed(seed);
        char[] id;
        try {
            id = key.getPublicKey();
        } catch (GeneralSecurityException | IOException e) {
            throw new CliException(ExitCodes.USAGE, "nkey file " + file + " holds an invalid seed: " + e, e);
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

    /** Logs connection problems at debug level; the command reports what matters to the person itself. */
    private static final class LoggingErrorListener implements ErrorListener {
        @Override
        public void errorOccurred(Connection conn, String error) {
            LOG.debug("nats error: {}", error);
        }

        @Override
        public void exceptionOccurred(Connection conn, Exception exp) {
            LOG.debug("nats exception", exp);
        }
    }
}
