package dev.jscontract.cli.internal.connect;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * The connection options as given on the command line; {@code null} means not given (the environment, then the
 * selected context decide). Names follow the {@code nats} CLI.
 *
 * @param server {@code -s/--server}
 * @param context {@code --context NAME|FILE}
 * @param user {@code --user}
 * @param password {@code --password}
 * @param token {@code --token}
 * @param creds {@code --creds}
 * @param nkey {@code --nkey}
 * @param tlsCert {@code --tlscert}
 * @param tlsKey {@code --tlskey}
 * @param tlsCa {@code --tlsca}
 * @param tlsFirst {@code --tlsfirst} (null when not given)
 * @param timeout {@code --timeout}
 * @param jsDomain {@code --js-domain}
 */
public record ConnectionFlags(
        @Nullable String server,
        @Nullable String context,
        @Nullable String user,
        @Nullable String password,
        @Nullable String token,
        @Nullable String creds,
        @Nullable String nkey,
        @Nullable String tlsCert,
        @Nullable String tlsKey,
        @Nullable String tlsCa,
        @Nullable Boolean tlsFirst,
        @Nullable Duration timeout,
        @Nullable String jsDomain) {

    /** No flag given. */
    public static ConnectionFlags none() {
        return new ConnectionFlags(null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    @Override
    public String toString() {
        return "ConnectionFlags{server=" + server + ", context=" + context + ", user=" + user + ", password="
                + (password == null ? null : "***") + ", token=" + (token == null ? null : "***") + ", creds="
                + creds + ", nkey=" + nkey + ", tlsCert=" + tlsCert + ", tlsKey=" + tlsKey + ", tlsCa=" + tlsCa
                + ", tlsFirst=" + tlsFirst + ", timeout=" + timeout + ", jsDomain=" + jsDomain + "}";
    }
}
