package dev.jscontract.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Gives the test class a 3-node nats-server cluster ({@link NatsCluster}, injected as a parameter), started once
 * per class. Needs a nats-server binary; with {@link NatsServerMatrix} it runs each version.
 *
 * @see NatsClusterExtension for the {@code @RegisterExtension} form
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(NatsClusterExtension.class)
public @interface WithNatsCluster {}
