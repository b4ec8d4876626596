package dev.jscontract.spring.boot.autoconfigure;

import dev.jscontract.contract.Backoff;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.contract.ContractBuilder;
import dev.jscontract.contract.DeadLetterPolicy;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * Turns {@code jscontract.contracts.<name>.*} into {@link ConsumerContract}s. The fields the staged builder requires
 * are required here too; a missing one, or a value the builder refuses, fails the start with the property's name.
 */
final class PropertyContracts {
    private PropertyContracts() {}

    static Map<String, ConsumerContract> build(Map<String, JsContractProperties.ContractDefinition> definitions) {
        Map<String, ConsumerContract> result = new LinkedHashMap<>();
        for (Map.Entry<String, JsContractProperties.ContractDefinition> e : definitions.entrySet()) {
            result.put(e.getKey(), build(e.getKey(), e.getValue()));
        }
        return result;
    }

    static ConsumerContract build(String name, JsContractProperties.ContractDefinition d) {
        String p = "jscontract.contracts." + name + ".";
        String stream = required(p + "stream", d.getStream());
        String durable = required(p + "durable", d.getDurable());
        Duration ackWait = required(p + "ack-wait", d.getAckWait());
        Integer maxDeliver = required(p + "max-deliver", d.getMaxDeliver());
        Backoff backoff = backoff(p + "backoff.", d.getBackoff());
        String deadLetterSubject =
                required(p + "dead-letter.subject", d.getDeadLetter().getSubject());
        DeadLetterPolicy deadLetter = check(
                p + "dead-letter.subject",
                deadLetterSubject,
                () -> deadLetterSubject.equals("default")
                        ? DeadLetterPolicy.toDefaultSubject()
                        : deadLetterSubject.equals("none")
                                ? DeadLetterPolicy.none()
                                : DeadLetterPolicy.toSubject(deadLetterSubject));
        ContractBuilder b =
                (ContractBuilder) check(p + "stream", stream, () -> ConsumerContract.builder().stream(stream));
        check(p + "durable", durable, () -> b.durable(durable));
        check(p + "ack-wait", ackWait, () -> b.ackWait(ackWait));
        check(p + "max-deliver", maxDeliver, () -> b.maxDeliver(maxDeliver));
        b.backoff(backoff).deadLetter(deadLetter);
        if (!d.getFilterSubjects().isEmpty()) {
            check(
                    p + "filter-subjects",
                    d.getFilterSubjects(),
                    () -> b.filterSubjects(d.getFilterSubjects().toArray(String[]::new)));
        }
        if (d.getConcurrency() != null) {
            check(p + "concurrency", d.getConcurrency(), () -> b.concurrency(d.getConcurrency()));
        }
        if (d.getMaxAckPending() != null) {
            check(p + "max-ack-pending", d.getMaxAckPending(), () -> b.maxAckPending(d.getMaxAckPending()));
        }
        if (d.getMaxProcessingTime() != null) {
            check(
                    p + "max-processing-time",
                    d.getMaxProcessingTime(),
                    () -> b.maxProcessingTime(d.getMaxProcessingTime()));
        }
        if (d.getDescription() != null) {
            check(p + "description", d.getDescription(), () -> b.description(d.getDescription()));
        }
        return check(p.substring(0, p.length() - 1), name, b::build);
    }

    private static Backoff backoff(String p, JsContractProperties.BackoffDefinition d) {
        String type = required(p + "type", d.getType()).toLowerCase(Locale.ROOT);
        switch (type) {
            case "none":
                return Backoff.none();
            case "fixed": {
                Duration initial = required(p + "initial", d.getInitial());
                return check(p + "initial", initial, () -> Backoff.fixed(initial));
            }
            case "exponential": {
                Duration initial = required(p + "initial", d.getInitial());
                Duration max = required(p + "max", d.getMax());
                return check(
                        p.substring(0, p.length() - 1),
                        initial + ", " + d.getMultiplier() + ", " + max,
                        () -> Backoff.exponential(initial, d.getMultiplier(), max));
            }
            case "list": {
                if (d.getDelays().isEmpty()) {
                    throw new InvalidConfigurationPropertyValueException(
                            p + "delays",
                            d.getDelays(),
                            "backoff type 'list' needs at least one delay, e.g. 1s,5s,30s");
                }
                return check(
                        p + "delays",
                        d.getDelays(),
                        () -> Backoff.of(d.getDelays().toArray(Duration[]::new)));
            }
            default:
                throw new InvalidConfigurationPropertyValueException(
                        p + "type", d.getType(), "use fixed, exponential, list or none");
        }
    }

    private static <T> T required(String property, @Nullable T value) {
        if (value == null || (value instanceof String s && s.isBlank())) {
            throw new InvalidConfigurationPropertyValueException(
                    property, value, "it is required: a contract states it explicitly (no server default is taken)");
        }
        return value;
    }

    private static <T> T check(String property, Object value, Supplier<T> action) {
        try {
            return action.get();
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new InvalidConfigurationPropertyValueException(property, value, e.getMessage());
        }
    }
}
