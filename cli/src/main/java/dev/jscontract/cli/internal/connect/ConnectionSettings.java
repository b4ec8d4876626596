package dev.jscontract.cli.internal.connect;

import java.nio.file.Path;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Where and how to connect, after flags, environment and context were merged and secrets resolved
 * ({@link SettingsResolver}). {@link #toString()} never shows a secret.
 *
 * @param url the server URL(s), comma-separated
 * @param auth the authentication method
 * @param user the user ({@link Auth#USER})
 * @param password the password ({@link Auth#USER}), resolved
 * @param token the token ({@link Auth#TOKEN}), resolved
 * @param creds the credentials file ({@link Auth#CREDS})
 * @param nkey the nkey seed file ({@link Auth#NKEY})
 * @param jwt the user JWT ({@link Auth#JWT}), resolved
 * @param seed the user seed ({@link Auth#JWT}), resolved
 * @param tlsCert the client certificate (PEM)
 * @param tlsKey the client key (PEM)
 * @param tlsCa the CA certificates to trust (PEM)
 * @param tlsFirst whether to start with the TLS handshake
 * @param timeout the connection and request timeout
 * @param jsDomain the JetStream domain
 * @param apiPrefix the JetStream API prefix
 * @param inboxPrefix the inbox prefix
 * @param source where the settings came from, for messages (e.g. {@code context 'prod'})
 */
public record ConnectionSettings(
        String url,
        Auth auth,
        @Nullable String user,
        @Nullable String password,
        @Nullable String token,
        @Nullable Path creds,
        @Nullable Path nkey,
        @Nullable String jwt,
        @Nullable String seed,
        @Nullable Path tlsCert,
        @Nullable Path tlsKey,
        @Nullable Path tlsCa,
        boolean tlsFirst,
        Duration timeout,
        @Nullable String jsDomain,
        @Nullable String apiPrefix,
        @Nullable String inboxPrefix,
        String source) {

    /** How the client authenticates. */
    public enum Auth {
        /** No credentials. */
        NONE,
        /** User and password. */
        USER,
        /** A token. */
        TOKEN,
        /** A credentials file (JWT and seed). */
        CREDS,
        /** An nkey seed file. */
        NKEY,
        /** A user JWT and seed from the context. */
        JWT
    }

    /** Whether TLS is used (a {@code tls://} URL, a TLS file, or TLS first). */
    public boolean tls() {
        return tlsFirst || tlsCert != null || tlsCa != null || url.startsWith("tls://") || url.contains(",tls://");
    }

    /** The JetStream API subject prefix, with its trailing dot: {@code $JS.API.}, or the domain's or the custom one. */
    public String jsApiPrefix() {
        if (apiPrefix != null) {
            return apiPrefix.endsWith(".") ? apiPrefix : apiPrefix + ".";
        }
        return jsDomain != null ? "$JS." + jsDomain + ".API." : "$JS.API.";
    }

    @Override
    public String toString() {
        return "ConnectionSettings{" + url + " (" + source + "), auth " + auth
                + (user != null ? ", user " + user : "") + (creds != null ? ", creds " + creds : "")
                + (nkey != null ? ", nkey " + nkey : "") + (tls() ? ", tls" : "") + (tlsFirst ? " first" : "")
                + ", timeout " + timeout + (jsDomain != null ? ", domain " + jsDomain : "") + "}";
    }
}
