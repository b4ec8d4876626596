package dev.jscontract.contract;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The result of {@link ContractLinter}: findings (most severe first), findings the contract suppressed (with the
 * written reason), and rules that could not be decided because an input is missing (e.g. no expected p99), which
 * the linter reports rather than guessing.
 *
 * <p>Immutable and thread-safe.
 */
public final class LintReport {
    private final String subject;
    private final List<Finding> findings;
    private final Map<Finding, String> suppressed;
    private final Map<LintRule, String> unchecked;

    LintReport(
            String subject, List<Finding> findings, Map<Finding, String> suppressed, Map<LintRule, String> unchecked) {
        this.subject = Objects.requireNonNull(subject, "subject");
        List<Finding> sorted = new ArrayList<>(findings);
        sorted.sort((a, b) -> b.getSeverity().compareTo(a.getSeverity()));
        this.findings = List.copyOf(sorted);
        this.suppressed = Collections.unmodifiableMap(suppressed);
        this.unchecked = Collections.unmodifiableMap(unchecked);
    }

    /** What was linted, e.g. {@code ORDERS/billing}. */
    public String getSubject() {
        return subject;
    }

    /** All active findings, errors first. */
    public List<Finding> getFindings() {
        return findings;
    }

    /** Findings of severity error. */
    public List<Finding> getErrors() {
        return bySeverity(Severity.ERROR);
    }

    /** Findings of severity warning. */
    public List<Finding> getWarnings() {
        return bySeverity(Severity.WARNING);
    }

    private List<Finding> bySeverity(Severity s) {
        return findings.stream().filter(f -> f.getSeverity() == s).toList();
    }

    /** Whether any finding is an error. */
    public boolean hasErrors() {
        return findings.stream().anyMatch(f -> f.getSeverity() == Severity.ERROR);
    }

    /** The active findings of one rule. */
    public List<Finding> getFindings(String ruleId) {
        LintRule rule = LintRule.byId(ruleId);
        return findings.stream().filter(f -> f.getRule() == rule).toList();
    }

    /** Whether a rule produced an active finding. */
    public boolean has(String ruleId) {
        return !getFindings(ruleId).isEmpty();
    }

    /** Findings the contract suppressed, with the reason it gave. */
    public Map<Finding, String> getSuppressed() {
        return suppressed;
    }

    /** Rules that were not decided, with the input they need. */
    public Map<LintRule, String> getUnchecked() {
        return unchecked;
    }

    /** A readable report, one line per finding, then suppressed and unchecked rules. */
    public String toText() {
        StringBuilder sb = new StringBuilder("lint ").append(subject).append(": ");
        long errors = getErrors().size();
        long warnings = getWarnings().size();
        sb.append(errors)
                .append(" error(s), ")
                .append(warnings)
                .append(" warning(s), ")
                .append(findings.size() - errors - warnings)
                .append(" info\n");
        findings.forEach(f -> sb.append("  ").append(f).append('\n'));
        suppressed.forEach((f, reason) -> sb.append("  [suppressed] ")
                .append(f.getRuleId())
                .append(' ')
                .append(f.getMessage())
                .append(" | reason: ")
                .append(reason)
                .append('\n'));
        if (!unchecked.isEmpty()) {
            sb.append("  not checked: ")
                    .append(unchecked.entrySet().stream()
                            .map(e -> e.getKey().id() + " (" + e.getValue() + ")")
                            .collect(Collectors.joining("; ")))
                    .append('\n');
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return toText();
    }
}
