package dev.jscontract.spring.boot.autoconfigure;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.jscontract.consumer.ContractConsumer;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.spring.boot.ContractConsumerCustomizer;
import dev.jscontract.spring.boot.ContractConsumers;
import io.nats.client.Connection;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * Contract consumers with the application's lifecycle: one {@link ContractConsumer} per {@link ConsumerContract}
 * bean and per {@code jscontract.contracts.<name>} entry, with the handler from a {@code @ContractListener} method or
 * a {@link ContractConsumerCustomizer}, started by {@link ContractConsumers} after the context is refreshed and
 * drained on shutdown.
 *
 * <p><b>Payload decoding</b>: {@code @ContractListener} payloads are decoded with the application's Jackson 2 {@code
 * com.fasterxml.jackson.databind.ObjectMapper} bean when there is exactly one (Boot 3.x auto-configures it; on Boot 4
 * add {@code spring-boot-jackson2} or declare one); otherwise with a mapper of the starter's own that ignores unknown
 * properties and registers the modules found on the class path. Boot 4's Jackson 3 {@code JsonMapper} is not used:
 * jscontract's codec is Jackson 2 (docs/decisions/spring-boot-object-mapper.md).
 */
@AutoConfiguration(after = JsContractNatsAutoConfiguration.class)
@ConditionalOnClass({ContractConsumer.class, Connection.class})
@EnableConfigurationProperties(JsContractProperties.class)
public class JsContractConsumerAutoConfiguration {
    static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);

    /** Finds {@code @ContractListener} methods. */
    @Bean
    static ContractListenerRegistry jscontractListenerRegistry() {
        return new ContractListenerRegistry();
    }

    @Bean
    @ConditionalOnBean(Connection.class)
    ConsumerFactory jscontractConsumerFactory(
            Connection connection,
            ListableBeanFactory beanFactory,
            ContractListenerRegistry listeners,
            ObjectProvider<ContractConsumerCustomizer> customizers,
            ObjectProvider<ObjectMapper> objectMappers,
            JsContractProperties properties) {
        ObjectMapper mapper = objectMappers.getIfUnique(JsContractConsumerAutoConfiguration::defaultMapper);
        return new ConsumerFactory(
                connection,
                contracts(beanFactory, properties),
                listeners,
                customizers.orderedStream().toList(),
                mapper,
                properties,
                beanFactory);
    }

    /** The consumers' lifecycle. */
    @Bean
    @ConditionalOnBean(Connection.class)
    @ConditionalOnMissingBean
    public ContractConsumers jscontractConsumers(
            ConsumerFactory factory,
            ListableBeanFactory beanFactory,
            JsContractProperties properties,
            Environment environment) {
        JsContractProperties.Consumer consumer = properties.getConsumer();
        Duration expiry = consumer.getPullExpiry();
        if (expiry == null
                || expiry.compareTo(Duration.ofSeconds(1)) < 0
                || expiry.compareTo(Duration.ofMinutes(5)) > 0) {
            throw new InvalidConfigurationPropertyValueException(
                    "jscontract.consumer.pull-expiry", expiry, "must be between 1s and 5m");
        }
        return new ContractConsumers(
                contracts(beanFactory, properties),
                factory,
                shutdownTimeout(environment),
                consumer.isFailFast(),
                consumer.isAutoStartup());
    }

    /** {@code spring.lifecycle.timeout-per-shutdown-phase}, the budget Spring gives each shutdown phase. */
    static Duration shutdownTimeout(Environment environment) {
        return Binder.get(environment)
                .bind("spring.lifecycle.timeout-per-shutdown-phase", Duration.class)
                .orElse(DEFAULT_SHUTDOWN_TIMEOUT);
    }

    private static Map<String, ConsumerContract> contracts(
            ListableBeanFactory beanFactory, JsContractProperties properties) {
        Map<String, ConsumerContract> contracts =
                new LinkedHashMap<>(beanFactory.getBeansOfType(ConsumerContract.class));
        for (Map.Entry<String, ConsumerContract> e :
                PropertyContracts.build(properties.getContracts()).entrySet()) {
            if (contracts.containsKey(e.getKey())) {
                throw new InvalidConfigurationPropertyValueException(
                        "jscontract.contracts." + e.getKey(),
                        e.getKey(),
                        "a ConsumerContract bean has the same name; rename one of them");
            }
            contracts.put(e.getKey(), e.getValue());
        }
        return contracts;
    }

    private static ObjectMapper defaultMapper() {
        return JsonMapper.builder()
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .findAndAddModules()
                .build();
    }
}
