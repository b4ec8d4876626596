package dev.jscontract.contract;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One lint finding: the rule, the severity it has for this contract, what is wrong with the values involved, a
 * one-line fix, and the semantics rows it rests on.
 *
 * <pre>{@code
 * [error] BO-003 maxDeliver 2 is not greater than len(serverBackoff) 2: consumer creation fails with 10116 on
 *   2.9.10 | fix: set maxDeliver to at least 3 (basis B-04)
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class Finding {
    private final LintRule rule;
    private final Severity severity;
    private final String message;
    private final Map<String, String> values;
    private final String fix;

    /**
     * @param rule the rule
     * @param severity the severity for this contract (the rule's default, or raised)
     * @param message what is wrong, with the values
     * @param values the values involved, by option name
     * @param fix one line: what to change
     */
    public Finding(LintRule rule, Severity severity, String message, Map<String, String> values, String fix) {
        this.rule = Objects.requireNonNull(rule, "rule");
        this.severity = Objects.requireNonNull(severity, "severity");
        this.message = Objects.requireNonNull(message, "message");
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        this.fix = Objects.requireNonNull(fix, "fix");
    }

    /** The rule. */
    public LintRule getRule() {
        return rule;
    }

    /** The stable rule ID, e.g. {@code BO-001}. */
    public String getRuleId() {
        return rule.id();
    }

    /** The severity for this contract. */
    public Severity getSeverity() {
        return severity;
    }

    /** What is wrong, with the values. */
    public String getMessage() {
        return message;
    }

    /** The values involved, by option name. */
    public Map<String, String> getValues() {
        return values;
    }

    /** One line: what to change. */
    public String getFix() {
        return fix;
    }

    /** The semantics rows the rule rests on. */
    public List<String> getBasis() {
        return rule.basis();
    }

    Finding withSeverity(Severity s) {
        return new Finding(rule, s, message, values, fix);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Finding f
                && f.rule == rule
                && f.severity == severity
                && f.message.equals(message)
                && f.values.equals(values)
                && f.fix.equals(fix);
    }

    @Override
    public int hashCode() {
        return Objects.hash(rule, severity, message, values, fix);
    }

    /** {@code [error] BO-003 <message> | fix: <fix> (basis B-04)}. */
    @Override
    public String toString() {
        return "[" + severity.label() + "] " + rule.id() + " " + message + " | fix: " + fix + " (basis "
                + String.join(", ", rule.basis()) + ")";
    }
}
