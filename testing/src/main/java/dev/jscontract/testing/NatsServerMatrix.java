package dev.jscontract.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.ClassTemplate;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs the whole test class once per available nats-server version; the version is in each run's display name
 * ({@code [nats-server 2.10.27]}). Combine with {@link WithNatsServer} or {@link WithNatsCluster}, whose servers then
 * run that version.
 *
 * <p>The versions are the default binary ({@code JSC_NATS_SERVER_BIN} or {@code nats-server} on PATH) plus every
 * binary that {@code scripts/nats-servers} unpacked into {@code ~/.cache/jscontract/nats-server/<version>/} (or
 * {@code JSC_NATS_CACHE}), one per version. {@code JSC_NATS_VERSIONS=2.9,2.15} narrows the set; {@code
 * JSC_NATS_MATRIX_MIN=3} makes fewer than three versions an error (CI sets it). With {@code JSC_NATS_URL} the
 * class runs once, against that server.
 *
 * <p>Servers start per invocation, so {@code @BeforeAll}/{@code @AfterAll} methods (which JUnit runs once around
 * all invocations) cannot receive them; set up in {@code @BeforeEach} or in the test.
 *
 * <pre>{@code
 * @NatsServerMatrix
 * @WithNatsServer
 * class BackoffSemanticsIT {
 *   @Test
 *   void backoffReplacesAckWait(NatsServer server) { ... server.isAtLeast("2.10.23") ... }
 * }
 * }</pre>
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ClassTemplate
@ExtendWith(NatsMatrixExtension.class)
public @interface NatsServerMatrix {}
