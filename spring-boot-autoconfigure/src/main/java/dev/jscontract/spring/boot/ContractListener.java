package dev.jscontract.spring.boot;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a bean method as the handler of a contract consumer. The starter builds a {@code ContractConsumer} for the
 * contract, starts it with the application and drains it on shutdown.
 *
 * <pre>{@code
 * @Bean
 * ConsumerContract billing() {
 *     return ConsumerContract.builder().stream("ORDERS").durable("billing")
 *             .ackWait(Duration.ofSeconds(30)).maxDeliver(5)
 *             .backoff(Backoff.fixed(Duration.ofSeconds(2)))
 *             .deadLetter(DeadLetterPolicy.toDefaultSubject())
 *             .build();
 * }
 *
 * @Component
 * class Billing {
 *     @ContractListener("billing")
 *     void charge(Order order, Message message) { ... }   // return: ack; throw: retry or dead-letter
 * }
 * }</pre>
 *
 * <p><b>Parameters</b>: one payload parameter of any type but {@link io.nats.client.Message}, decoded from JSON with
 * the application's Jackson 2 {@code ObjectMapper} (see the README, "Spring Boot", for how the mapper is chosen); a
 * payload that does not decode is poison and is dead-lettered at once. Optionally a {@code Message} parameter (the
 * JetStream message: headers, metadata). A method with only a {@code Message} parameter gets the raw message. The
 * return value is ignored. A thrown exception fails the attempt: retried with the contract's backoff, or
 * dead-lettered when permanent or on the last delivery.
 *
 * <p>The method is called through the bean (and its proxies), so {@code @Transactional} on it applies. It is called
 * concurrently from the consumer's handler threads when the contract's concurrency is above 1.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface ContractListener {
    /**
     * The contract: the name of a {@code ConsumerContract} bean, a key under {@code jscontract.contracts}, or a
     * contract's durable name.
     */
    String value();
}
