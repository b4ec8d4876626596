package dev.jscontract.spring.boot.autoconfigure;

import java.lang.reflect.InvocationTargetException;
import java.util.Map;
import org.springframework.context.ApplicationContext;

/**
 * Reads a jscontract health indicator on either Spring Boot line, so that the same health tests run on Boot 4 (this
 * module) and Boot 3.5 ({@code spring-boot-boot3-tests}). The two lines' {@code HealthIndicator} types live in
 * different packages but share {@code health()}, {@code getStatus().getCode()} and {@code getDetails()}.
 */
final class HealthProbe {
    private static final String BOOT4_HEALTH = "org.springframework.boot.health.contributor.HealthIndicator";
    private static final String BOOT3_HEALTH = "org.springframework.boot.actuate.health.HealthIndicator";
    private static final String BOOT3_CONFIGURATION =
            "dev.jscontract.spring.boot.boot3.JsContractBoot3HealthAutoConfiguration";

    /** One reading: the status code and the details. */
    record Reading(String status, Map<String, Object> details) {}

    private final Object indicator;

    private HealthProbe(Object indicator) {
        this.indicator = indicator;
    }

    /** The indicator bean of this name in the context. */
    static HealthProbe of(ApplicationContext context, String beanName) {
        return new HealthProbe(context.getBean(beanName));
    }

    /** The health auto-configuration of the Boot line on the class path. */
    static Class<?> autoConfiguration() {
        if (present(BOOT4_HEALTH)) {
            return JsContractHealthAutoConfiguration.class;
        }
        try {
            return Class.forName(BOOT3_CONFIGURATION);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(
                    "neither Boot 4's health API nor jscontract-spring-boot-health-boot3 is on the test class path", e);
        }
    }

    /** Asks the indicator now. */
    @SuppressWarnings("unchecked")
    Reading read() {
        try {
            // through the interface: indicators are often lambdas, whose classes are not accessible
            Class<?> type = Class.forName(present(BOOT4_HEALTH) ? BOOT4_HEALTH : BOOT3_HEALTH);
            Object health = type.getMethod("health").invoke(indicator);
            Object status = health.getClass().getMethod("getStatus").invoke(health);
            String code = (String) status.getClass().getMethod("getCode").invoke(status);
            Map<String, Object> details = (Map<String, Object>)
                    health.getClass().getMethod("getDetails").invoke(health);
            return new Reading(code, details);
        } catch (InvocationTargetException e) {
            throw new IllegalStateException("the health indicator failed", e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("not a Spring Boot HealthIndicator: " + indicator.getClass(), e);
        }
    }

    /** The status code now. */
    String status() {
        return read().status();
    }

    /** The details now. */
    Map<String, Object> details() {
        return read().details();
    }

    private static boolean present(String className) {
        try {
            Class.forName(className, false, HealthProbe.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }
}
