package dev.jscontract.spring.boot.autoconfigure;

import dev.jscontract.spring.boot.ContractConsumers;
import io.nats.client.Connection;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/** {@code /actuator/jscontract} ({@link JsContractEndpoint}), on Spring Boot 3.5 and 4 alike. */
@AutoConfiguration(after = JsContractConsumerAutoConfiguration.class)
@ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.annotation.Endpoint")
public class JsContractEndpointAutoConfiguration {
    /** The endpoint. */
    @Bean
    @ConditionalOnBean({ContractConsumers.class, Connection.class})
    @ConditionalOnMissingBean
    public JsContractEndpoint jscontractEndpoint(ContractConsumers consumers, Connection connection) {
        return new JsContractEndpoint(consumers, connection);
    }
}
