package dev.jscontract.spring.boot.autoconfigure;

import dev.jscontract.consumer.ContractConsumer;
import dev.jscontract.consumer.resilience4j.CircuitBreakerGate;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import org.springframework.beans.factory.ListableBeanFactory;

/** Loaded only when Resilience4j is on the class path. */
final class Resilience4jSupport {
    private Resilience4jSupport() {}

    static boolean hasRegistry(ListableBeanFactory beanFactory) {
        return beanFactory.getBeanProvider(CircuitBreakerRegistry.class).getIfUnique() != null;
    }

    /**
     * Gates the consumer with the registry's breaker {@code name} (created from the registry's default config when
     * the registry does not know it yet, as {@code CircuitBreakerRegistry.circuitBreaker(name)} does).
     */
    static void gate(ListableBeanFactory beanFactory, String name, ContractConsumer.Builder builder) {
        CircuitBreakerRegistry registry = beanFactory.getBean(CircuitBreakerRegistry.class);
        builder.gate(CircuitBreakerGate.of(registry.circuitBreaker(name)));
    }
}
