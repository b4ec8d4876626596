package dev.jscontract.spring.boot;

import dev.jscontract.consumer.ContractConsumer;
import dev.jscontract.contract.ConsumerContract;
import org.jspecify.annotations.Nullable;

/**
 * Adjusts the {@link ContractConsumer}s the starter builds, and can supply the handler of a contract that has no
 * {@link ContractListener} method. Declare it as a bean; all customizer beans are applied, in {@code @Order}, to every
 * consumer (look at {@code name} to pick one).
 *
 * <pre>{@code
 * @Bean
 * ContractConsumerCustomizer billingOptions() {
 *     return (name, contract, builder) -> {
 *         if (name.equals("billing")) {
 *             builder.failureClassifier(FailureClassifier.defaults().withPermanent(InvalidCardException.class));
 *         }
 *     };
 * }
 * }</pre>
 *
 * <p>The starter has already set the handler, the metrics (when there is a {@code MeterRegistry}), the gate (when
 * {@code jscontract.consumers.<name>.circuit-breaker} is set) and the pull expiry; setting one of those again fails
 * the start, as the builder allows each option once.
 */
@FunctionalInterface
public interface ContractConsumerCustomizer {
    /**
     * Sets optional consumer settings.
     *
     * @param name the contract's name (bean name or {@code jscontract.contracts} key)
     * @param contract the contract
     * @param builder the builder, with the handler already set
     */
    void customize(String name, ConsumerContract contract, ContractConsumer.Builder builder);

    /**
     * Supplies the handler of a contract that has no {@link ContractListener} method, e.g. {@code return
     * stage.handler(Order.class, (order, msg) -> billing.charge(order));}. At most one handler per contract: a
     * contract with a listener method and a customizer handler, or two customizer handlers, fails the start.
     *
     * @return the builder {@code stage.handler(...)} returned, or null when this customizer has no handler for the
     *     contract (the default)
     */
    default ContractConsumer.@Nullable Builder handler(
            String name, ConsumerContract contract, ContractConsumer.HandlerStage stage) {
        return null;
    }
}
