package dev.jscontract.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Gives the test class a real nats-server with JetStream ({@link NatsServer}, injected as a parameter into tests
 * and lifecycle methods). One server per class by default; {@link #perTest()} starts a fresh one for every test.
 * Together with {@link NatsServerMatrix} the class runs once per available server version.
 *
 * <pre>{@code
 * @WithNatsServer(config = "max_payload: 65536")
 * class PoisonRowIT {
 *   @Test
 *   void parksOversizedRows(NatsServer server) { ... }
 * }
 * }</pre>
 *
 * @see NatsServerExtension for the {@code @RegisterExtension} form
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(NatsServerExtension.class)
public @interface WithNatsServer {
    /** Start a fresh server for every test instead of one per class. */
    boolean perTest() default false;

    /** Extra nats-server configuration lines (e.g. {@code max_payload: 65536}); needs a harness-started server. */
    String[] config() default {};
}
