package dev.jscontract.testing.internal;

/** The process-wide resolvers (the PostgreSQL one caches the server it found). */
public final class Resolvers {
    private static final NatsResolver NATS = new NatsResolver(Environment.system());
    private static final PostgresResolver POSTGRES = new PostgresResolver(Environment.system());

    private Resolvers() {}

    /** Resolves nats-servers from the real environment. */
    public static NatsResolver nats() {
        return NATS;
    }

    /** Resolves the PostgreSQL server from the real environment. */
    public static PostgresResolver postgres() {
        return POSTGRES;
    }
}
