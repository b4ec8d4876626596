package dev.jscontract.contract;

import static dev.jscontract.contract.internal.Durations.human;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What one {@link ContractLinter} run found, and the helpers the rule groups share. */
final class LintCollector {
    final List<Finding> findings = new ArrayList<>();
    final Map<LintRule, String> unchecked = new LinkedHashMap<>();

    void add(Finding f) {
        findings.add(f);
    }

    void unchecked(LintRule rule, String needs) {
        unchecked.putIfAbsent(rule, needs);
    }

    static Finding finding(LintRule rule, String message, Map<String, String> values, String fix) {
        return new Finding(rule, rule.defaultSeverity(), message, values, fix);
    }

    static Duration scale(Duration d, double factor) {
        return Duration.ofNanos(Math.round(d.toNanos() * factor));
    }

    static String humanList(List<Duration> list) {
        return "[" + String.join(", ", list.stream().map(d -> human(d)).toList()) + "]";
    }
}
