package dev.jscontract.testing;

import io.nats.client.AuthHandler;
import io.nats.client.NKey;
import io.nats.client.Nats;
import io.nats.client.support.JsonSerializable;
import io.nats.client.support.JwtUtils;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;

/**
 * A throw-away NATS operator for tests of credentials files ({@code .creds}: a user JWT and its nkey seed) against a
 * real nats-server in operator mode, made with jnats alone, so tests need neither {@code nsc} nor checked-in keys.
 *
 * <p>{@link #create(Path)} makes an operator, a system account, an application account with JetStream enabled
 * (unlimited memory and file storage, streams and consumers) and one signing key, and a user of that account whose
 * JWT the signing key issues ({@link JwtUtils#issueUserJWT}; operator and account JWTs are signed the same way,
 * header {@code {"typ":"JWT","alg":"ed25519-nkey"}}). It writes {@code user.creds} into the folder given.
 * {@link #serverConfig()} is the configuration that makes a server trust the operator: the operator JWT, the system
 * account, {@code resolver: MEMORY} and the two account JWTs in {@code resolver_preload}; pass it to {@link
 * NatsServers#start(String...)} or {@link NatsServerExtension#perTest(String...)} (an annotation's config must be
 * a constant, and the keys are made at run time). Nothing expires. Tested on nats-server 2.9.10.
 *
 * <pre>{@code
 * TestOperator operator = TestOperator.create(tempDir);
 * try (NatsServer server = NatsServers.start(operator.serverConfig());
 *      Connection nc = Nats.connect(server.options().authHandler(operator.authHandler()).build())) {
 *   nc.jetStreamManagement().addStream(...);
 * }
 * }</pre>
 *
 * <p>Immutable after {@link #create(Path)}; the seeds live only in this object and in the creds file.
 */
public final class TestOperator {
    private static final String HEADER_NOTE = "operator, accounts and user made by dev.jscontract.testing.TestOperator";

    private final Path creds;
    private final String operatorJwt;
    private final String systemAccount;
    private final String systemAccountJwt;
    private final String account;
    private final String accountJwt;
    private final String user;

    private TestOperator(
            Path creds,
            String operatorJwt,
            String systemAccount,
            String systemAccountJwt,
            String account,
            String accountJwt,
            String user) {
        this.creds = creds;
        this.operatorJwt = operatorJwt;
        this.systemAccount = systemAccount;
        this.systemAccountJwt = systemAccountJwt;
        this.account = account;
        this.accountJwt = accountJwt;
        this.user = user;
    }

    /**
     * Makes the operator, its accounts and user, and writes {@code user.creds} into {@code dir}.
     *
     * @param dir an existing folder, usually a JUnit {@code @TempDir}
     * @return the operator
     * @throws IOException when the creds file cannot be written
     * @throws GeneralSecurityException when the JDK cannot make or use Ed25519 keys
     */
    public static TestOperator create(Path dir) throws IOException, GeneralSecurityException {
        SecureRandom random = new SecureRandom();
        NKey operator = NKey.createOperator(random);
        NKey system = NKey.createAccount(random);
        NKey app = NKey.createAccount(random);
        NKey appSigning = NKey.createAccount(random);
        NKey user = NKey.createUser(random);
        String operatorKey = publicKey(operator);
        String systemKey = publicKey(system);
        String appKey = publicKey(app);
        long now = JwtUtils.currentTimeSeconds();

        String operatorJwt = JwtUtils.issueJWT(
                operator,
                operatorKey,
                "jsc-test-operator",
                null,
                now,
                operatorKey,
                claims("{\"system_account\":\"" + systemKey + "\",\"type\":\"operator\",\"version\":2}"));
        // -1 is "no limit"; an absent limit is 0, which would allow no subscriptions, connections or storage
        String natsLimits = "\"subs\":-1,\"data\":-1,\"payload\":-1,\"imports\":-1,\"exports\":-1,\"wildcards\":true,"
                + "\"conn\":-1,\"leaf\":-1";
        String systemJwt = JwtUtils.issueJWT(
                operator,
                systemKey,
                "SYS",
                null,
                now,
                operatorKey,
                claims("{\"limits\":{" + natsLimits + "},\"type\":\"account\",\"version\":2}"));
        // JetStream is on for an account whose JWT grants storage (mem_storage or disk_storage not 0)
        String appJwt = JwtUtils.issueJWT(
                operator,
                appKey,
                "APP",
                null,
                now,
                operatorKey,
                claims("{\"limits\":{" + natsLimits + ",\"mem_storage\":-1,\"disk_storage\":-1,\"streams\":-1,"
                        + "\"consumer\":-1},\"signing_keys\":[\"" + publicKey(appSigning) + "\"],"
                        + "\"type\":\"account\",\"version\":2}"));
        String userJwt = JwtUtils.issueUserJWT(appSigning, appKey, publicKey(user), "app-user");
        Path creds = dir.resolve("user.creds");
        Files.writeString(creds, String.format(JwtUtils.NATS_USER_JWT_FORMAT, userJwt, new String(user.getSeed())));
        return new TestOperator(creds, operatorJwt, systemKey, systemJwt, appKey, appJwt, publicKey(user));
    }

    private static String publicKey(NKey key) throws IOException, GeneralSecurityException {
        return new String(key.getPublicKey());
    }

    private static JsonSerializable claims(String json) {
        return () -> json;
    }

    /**
     * The server configuration that trusts this operator and preloads its accounts (append it to a config; the
     * harness's {@code jetstream} block enables JetStream for the server).
     */
    public String serverConfig() {
        return "# " + HEADER_NOTE + "\n"
                + "operator: " + operatorJwt + "\n"
                + "system_account: " + systemAccount + "\n"
                + "resolver: MEMORY\n"
                + "resolver_preload: {\n"
                + "  " + systemAccount + ": " + systemAccountJwt + "\n"
                + "  " + account + ": " + accountJwt + "\n"
                + "}";
    }

    /** The credentials file of the user (its JWT and nkey seed, in the format {@code nsc} writes). */
    public Path credsFile() {
        return creds;
    }

    /** An auth handler for jnats that reads {@link #credsFile()}. */
    public AuthHandler authHandler() {
        return Nats.credentials(creds.toString());
    }

    /** The public key of the application account (the user's account; JetStream enabled). */
    public String accountPublicKey() {
        return account;
    }

    /** The public key of the user in {@link #credsFile()}. */
    public String userPublicKey() {
        return user;
    }

    @Override
    public String toString() {
        return "TestOperator{account=" + account + ", user=" + user + ", creds=" + creds + "}";
    }
}
