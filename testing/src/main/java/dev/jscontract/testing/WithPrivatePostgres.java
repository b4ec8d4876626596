package dev.jscontract.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Gives the test class a PostgreSQL server of its own ({@link PrivatePostgres}, injected as a parameter) that it may
 * stop, kill and restart. Started once per class; deleted after it.
 *
 * @see PrivatePostgresExtension for the {@code @RegisterExtension} form
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(PrivatePostgresExtension.class)
public @interface WithPrivatePostgres {}
