package dev.jscontract.spring.boot.autoconfigure;

import dev.jscontract.consumer.ContractConsumer;
import dev.jscontract.consumer.micrometer.MicrometerConsumerMetrics;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.outbox.OutboxRelay;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ListableBeanFactory;

/** Loaded only when Micrometer is on the class path. */
final class MicrometerSupport {
    private MicrometerSupport() {}

    /** Puts the consumer's meters on the application's {@code MeterRegistry}, when it has exactly one. */
    static void bind(ListableBeanFactory beanFactory, ConsumerContract contract, ContractConsumer.Builder builder) {
        MeterRegistry registry =
                beanFactory.getBeanProvider(MeterRegistry.class).getIfUnique();
        if (registry != null) {
            builder.metrics(MicrometerConsumerMetrics.create(registry, contract));
        }
    }

    /** Puts the relay's meters on the application's {@code MeterRegistry}, when it has exactly one. */
    static void bindRelay(ListableBeanFactory beanFactory, OutboxRelay.Builder builder) {
        MeterRegistry registry =
                beanFactory.getBeanProvider(MeterRegistry.class).getIfUnique();
        if (registry != null) {
            builder.meterRegistry(registry);
        }
    }
}
