package dev.jscontract.spring.boot.autoconfigure;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jscontract.consumer.ContractConsumer;
import dev.jscontract.consumer.JacksonCodec;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.spring.boot.ContractConsumerCustomizer;
import io.nats.client.Connection;
import io.nats.client.Message;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.util.ClassUtils;

/**
 * Builds the {@link ContractConsumer} of a contract: its handler (a {@code @ContractListener} method or a customizer's),
 * the pull expiry, meters on the application's {@code MeterRegistry}, the circuit breaker named in properties, then the
 * user's {@link ContractConsumerCustomizer}s. Once every singleton exists it checks the wiring (every listener names a
 * contract, every contract has exactly one handler, every {@code jscontract.consumers.<name>} names a contract), so a
 * mistake fails the start whatever {@code jscontract.consumer.fail-fast} says.
 */
final class ConsumerFactory implements Function<String, ContractConsumer>, SmartInitializingSingleton {
    private static final boolean MICROMETER =
            ClassUtils.isPresent("io.micrometer.core.instrument.MeterRegistry", ConsumerFactory.class.getClassLoader());
    private static final boolean RESILIENCE4J = ClassUtils.isPresent(
            "io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry", ConsumerFactory.class.getClassLoader());

    private final Connection connection;
    private final Map<String, ConsumerContract> contracts;
    private final ContractListenerRegistry listeners;
    private final List<ContractConsumerCustomizer> customizers;
    private final ObjectMapper objectMapper;
    private final JsContractProperties properties;
    private final ListableBeanFactory beanFactory;

    ConsumerFactory(
            Connection connection,
            Map<String, ConsumerContract> contracts,
            ContractListenerRegistry listeners,
            List<ContractConsumerCustomizer> customizers,
            ObjectMapper objectMapper,
            JsContractProperties properties,
            ListableBeanFactory beanFactory) {
        this.connection = connection;
        this.contracts = contracts;
        this.listeners = listeners;
        this.customizers = customizers;
        this.objectMapper = objectMapper;
        this.properties = properties;
        this.beanFactory = beanFactory;
    }

    @Override
    public void afterSingletonsInstantiated() {
        for (ContractListenerRegistry.Endpoint e : listeners.endpoints()) {
            if (contractsOf(e).isEmpty()) {
                throw new IllegalStateException(e.describe() + " names no contract: there is no ConsumerContract bean"
                        + " or jscontract.contracts entry named '" + e.target() + "', and no contract has durable '"
                        + e.target() + "'; known contracts: " + contracts.keySet());
            }
            if (contractsOf(e).size() > 1) {
                throw new IllegalStateException(e.describe() + " matches several contracts " + contractsOf(e)
                        + "; name the contract by its bean name");
            }
        }
        for (Map.Entry<String, ConsumerContract> c : contracts.entrySet()) {
            List<String> sources = handlerSources(c.getKey(), c.getValue());
            if (sources.isEmpty()) {
                throw new IllegalStateException("contract '" + c.getKey() + "' ("
                        + c.getValue().getStream() + "/"
                        + c.getValue().getDurable()
                        + ") has no handler: annotate a bean method with @ContractListener(\""
                        + c.getKey() + "\") or declare a ContractConsumerCustomizer bean whose handler(...) sets one");
            }
            if (sources.size() > 1) {
                throw new IllegalStateException("contract '" + c.getKey() + "' has " + sources.size() + " handlers "
                        + sources + "; keep exactly one");
            }
        }
        for (Map.Entry<String, JsContractProperties.ConsumerOptions> o :
                properties.getConsumers().entrySet()) {
            String prefix = "jscontract.consumers." + o.getKey();
            if (!contracts.containsKey(o.getKey())) {
                throw new InvalidConfigurationPropertyValueException(
                        prefix, o.getKey(), "no contract has this name; known contracts: " + contracts.keySet());
            }
            String breaker = o.getValue().getCircuitBreaker();
            if (breaker != null) {
                if (breaker.isBlank()) {
                    throw new InvalidConfigurationPropertyValueException(
                            prefix + ".circuit-breaker",
                            breaker,
                            "name a circuit breaker of the CircuitBreakerRegistry");
                }
                if (!RESILIENCE4J || !Resilience4jSupport.hasRegistry(beanFactory)) {
                    throw new InvalidConfigurationPropertyValueException(
                            prefix + ".circuit-breaker",
                            breaker,
                            "there is no Resilience4j CircuitBreakerRegistry bean; add resilience4j-spring-boot3 (or"
                                    + " declare a CircuitBreakerRegistry bean)");
                }
            }
        }
    }

    private List<String> contractsOf(ContractListenerRegistry.Endpoint e) {
        List<String> names = new ArrayList<>();
        if (contracts.containsKey(e.target())) {
            names.add(e.target());
            return names;
        }
        for (Map.Entry<String, ConsumerContract> c : contracts.entrySet()) {
            if (c.getValue().getDurable().equals(e.target())) {
                names.add(c.getKey());
            }
        }
        return names;
    }

    private List<ContractListenerRegistry.Endpoint> endpointsFor(String name) {
        List<ContractListenerRegistry.Endpoint> result = new ArrayList<>();
        for (ContractListenerRegistry.Endpoint e : listeners.endpoints()) {
            if (contractsOf(e).equals(List.of(name))) {
                result.add(e);
            }
        }
        return result;
    }

    private List<String> handlerSources(String name, ConsumerContract contract) {
        List<String> sources = new ArrayList<>();
        for (ContractListenerRegistry.Endpoint e : endpointsFor(name)) {
            sources.add(e.describe());
        }
        for (ContractConsumerCustomizer c : customizers) {
            // probe with a throwaway builder: a customizer returns a builder only when it has a handler
            ContractConsumer.HandlerStage probe = ContractConsumer.builder(connection, contract);
            if (c.handler(name, contract, probe) != null) {
                sources.add("ContractConsumerCustomizer " + c.getClass().getName());
            }
        }
        return sources;
    }

    @Override
    public ContractConsumer apply(String name) {
        ConsumerContract contract = contracts.get(name);
        if (contract == null) {
            throw new IllegalArgumentException("no contract named '" + name + "'");
        }
        ContractConsumer.HandlerStage stage = ContractConsumer.builder(connection, contract);
        ContractConsumer.Builder builder = null;
        List<ContractListenerRegistry.Endpoint> endpoints = endpointsFor(name);
        if (!endpoints.isEmpty()) {
            builder = listenerHandler(stage, endpoints.get(0));
        } else {
            for (ContractConsumerCustomizer c : customizers) {
                builder = c.handler(name, contract, stage);
                if (builder != null) {
                    break;
                }
            }
        }
        if (builder == null) {
            throw new IllegalStateException("contract '" + name + "' has no handler");
        }
        builder.pullExpiry(properties.getConsumer().getPullExpiry());
        if (MICROMETER) {
            MicrometerSupport.bind(beanFactory, contract, builder);
        }
        JsContractProperties.ConsumerOptions options = properties.getConsumers().get(name);
        if (options != null && options.getCircuitBreaker() != null) {
            Resilience4jSupport.gate(beanFactory, options.getCircuitBreaker(), builder);
        }
        for (ContractConsumerCustomizer c : customizers) {
            c.customize(name, contract, builder);
        }
        return builder.build();
    }

    private ContractConsumer.Builder listenerHandler(
            ContractConsumer.HandlerStage stage, ContractListenerRegistry.Endpoint e) {
        if (e.payloadIndex() < 0) {
            return stage.handler(message -> invoke(e, null, message));
        }
        Type type = e.payloadType();
        TypeReference<Object> reference = new TypeReference<>() {
            @Override
            public Type getType() {
                return type;
            }
        };
        return stage.handler(
                JacksonCodec.of(objectMapper, reference), (payload, message) -> invoke(e, payload, message));
    }

    private static void invoke(ContractListenerRegistry.Endpoint e, @Nullable Object payload, Message message)
            throws Exception {
        Object[] args = new Object[e.method().getParameterCount()];
        if (e.payloadIndex() >= 0) {
            args[e.payloadIndex()] = payload;
        }
        if (e.messageIndex() >= 0) {
            args[e.messageIndex()] = message;
        }
        try {
            e.method().invoke(e.bean(), args);
        } catch (InvocationTargetException ite) {
            Throwable cause = ite.getCause();
            if (cause instanceof Exception ex) {
                throw ex;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw ite;
        }
    }
}
