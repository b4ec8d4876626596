package dev.jscontract.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.nats.client.Connection;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Bad {@code jscontract.nats.*} values fail the start before any connection attempt, with the property's name, the
 * value and what is accepted.
 */
class NatsPropertiesTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(JsContractNatsAutoConfiguration.class));

    private void assertRefused(String property, String expectedText, String... pairs) {
        runner.withPropertyValues(pairs).run(context -> {
            assertThat(context).hasFailed();
            Throwable root = context.getStartupFailure();
            while (!(root instanceof InvalidConfigurationPropertyValueException) && root.getCause() != null) {
                root = root.getCause();
            }
            assertThat(root).isInstanceOf(InvalidConfigurationPropertyValueException.class);
            InvalidConfigurationPropertyValueException e = (InvalidConfigurationPropertyValueException) root;
            assertThat(e.getName()).isEqualTo(property);
            assertThat(e.getMessage()).contains(property).contains(expectedText);
        });
    }

    @Test
    void emptyServerListIsRefused() {
        assertRefused("jscontract.nats.servers", "at least one server URL", "jscontract.nats.servers=");
    }

    @Test
    void malformedServerUrlIsRefused() {
        assertRefused("jscontract.nats.servers", "nats://host:4222", "jscontract.nats.servers=http://example.com");
    }

    @Test
    void maxReconnectsBelowMinusOneIsRefused() {
        assertRefused("jscontract.nats.max-reconnects", "-1 for unlimited", "jscontract.nats.max-reconnects=-5");
    }

    @Test
    void zeroReconnectWaitIsRefused() {
        assertRefused("jscontract.nats.reconnect-wait", "positive duration", "jscontract.nats.reconnect-wait=0s");
    }

    @Test
    void missingCredentialsFileIsRefused() {
        assertRefused(
                "jscontract.nats.credentials", "does not exist", "jscontract.nats.credentials=/nonexistent/user.creds");
    }

    @Test
    void twoAuthenticationMethodsAreRefused() {
        assertRefused(
                "jscontract.nats",
                "only one authentication method",
                "jscontract.nats.username=a",
                "jscontract.nats.token=t");
    }

    @Test
    void passwordWithoutUserIsRefused() {
        assertRefused("jscontract.nats.password", "needs jscontract.nats.username", "jscontract.nats.password=p");
    }

    @Test
    void unknownSslBundleIsRefused() {
        assertRefused("jscontract.nats.ssl-bundle", "SslBundles", "jscontract.nats.ssl-bundle=nats");
    }

    @Test
    void unparsableDurationNamesTheProperty() {
        runner.withPropertyValues("jscontract.nats.connection-timeout=soon").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).hasStackTraceContaining("jscontract.nats.connection-timeout");
        });
    }

    @Test
    void unreachableServerFailsWithTheUrlAndTheWayOut() {
        runner.withPropertyValues(
                        "jscontract.nats.servers=nats://127.0.0.1:1", "jscontract.nats.connection-timeout=500ms")
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure())
                            .hasStackTraceContaining("cannot connect to NATS at [nats://127.0.0.1:1]")
                            .hasStackTraceContaining("define your own " + Connection.class.getName() + " bean");
                });
    }
}
