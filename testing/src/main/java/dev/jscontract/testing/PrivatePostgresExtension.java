package dev.jscontract.testing;

import dev.jscontract.testing.internal.ClassResourceExtension;
import dev.jscontract.testing.internal.Environment;
import dev.jscontract.testing.internal.PrivatePostgresServer;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit 5 extension that starts a private PostgreSQL server per test class and injects it as a {@link
 * PrivatePostgres} parameter. Declarative form: {@link WithPrivatePostgres}; programmatic form:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final PrivatePostgresExtension PG = new PrivatePostgresExtension();
 * // ... PG.server().kill(); PG.server().start(); ...
 * }</pre>
 *
 * <p>The extension owns the server and deletes it after the class. Outside CI a class whose server cannot be
 * started (no {@code initdb}/{@code pg_ctl}, no non-root OS user when running as root) is skipped with the reason;
 * under CI it fails.
 */
public final class PrivatePostgresExtension extends ClassResourceExtension<PrivatePostgres> {

    /** Creates the extension (declaratively through {@link WithPrivatePostgres}, or as a {@code @RegisterExtension}). */
    public PrivatePostgresExtension() {
        super(PrivatePostgres.class, false, "private PostgreSQL");
    }

    /**
     * The server of the running class.
     *
     * @throws IllegalStateException outside the class that registered this extension
     */
    public PrivatePostgres server() {
        return current("server()");
    }

    @Override
    protected PrivatePostgres open(ExtensionContext context) {
        return PrivatePostgresServer.start(Environment.system());
    }

    @Override
    protected void probe(ExtensionContext context) {
        PrivatePostgresServer.probe(Environment.system());
    }
}
