package dev.jscontract.testing;

import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.contract.ContractLinter;
import dev.jscontract.contract.Finding;
import dev.jscontract.contract.LintReport;
import dev.jscontract.contract.LintRule;
import dev.jscontract.contract.ServerVersion;
import dev.jscontract.contract.Severity;
import java.util.List;
import org.assertj.core.api.AbstractAssert;
import org.jspecify.annotations.Nullable;

/** Assertions on a {@link ConsumerContract}; start with {@link ContractAssertions#assertThat(ConsumerContract)}. */
public final class ContractAssert extends AbstractAssert<ContractAssert, ConsumerContract> {

    ContractAssert(ConsumerContract actual) {
        super(actual, ContractAssert.class);
    }

    /** No lint finding of severity error with the portable (version-independent) rules. */
    public ContractAssert hasNoLintErrors() {
        return hasNoLintErrors(null);
    }

    /** No lint finding of severity error for the given target server version. */
    public ContractAssert hasNoLintErrors(@Nullable ServerVersion version) {
        isNotNull();
        LintReport report = lint(version);
        if (report.hasErrors()) {
            failWithMessage(
                    "Expected contract %s/%s to have no lint errors%s but found:%n%s",
                    actual.getStream(), actual.getDurable(), forVersion(version), describe(report.getErrors()));
        }
        return this;
    }

    /** No active lint finding at all (errors, warnings, info). */
    public ContractAssert hasNoLintFindings() {
        isNotNull();
        LintReport report = lint(null);
        if (!report.getFindings().isEmpty()) {
            failWithMessage(
                    "Expected contract %s/%s to have no lint findings but found:%n%s",
                    actual.getStream(), actual.getDurable(), describe(report.getFindings()));
        }
        return this;
    }

    /**
     * An active finding of this rule (portable rules).
     *
     * @param ruleId e.g. {@code BO-001}
     */
    public ContractAssert hasFinding(String ruleId) {
        return hasFinding(ruleId, null, null);
    }

    /** An active finding of this rule with this severity for the given version (null: portable rules). */
    public ContractAssert hasFinding(String ruleId, @Nullable Severity severity, @Nullable ServerVersion version) {
        isNotNull();
        LintRule.byId(ruleId);
        LintReport report = lint(version);
        List<Finding> found = report.getFindings(ruleId);
        if (found.isEmpty()) {
            failWithMessage(
                    "Expected contract %s/%s to have finding %s%s but it had:%n%s",
                    actual.getStream(),
                    actual.getDurable(),
                    ruleId,
                    forVersion(version),
                    report.getFindings().isEmpty() ? "  (no findings)" : describe(report.getFindings()));
        }
        if (severity != null && found.stream().noneMatch(f -> f.getSeverity() == severity)) {
            failWithMessage(
                    "Expected finding %s of contract %s/%s to be %s but it was:%n%s",
                    ruleId, actual.getStream(), actual.getDurable(), severity.label(), describe(found));
        }
        return this;
    }

    /** No active finding of this rule (portable rules). */
    public ContractAssert doesNotHaveFinding(String ruleId) {
        isNotNull();
        LintRule.byId(ruleId);
        List<Finding> found = lint(null).getFindings(ruleId);
        if (!found.isEmpty()) {
            failWithMessage(
                    "Expected contract %s/%s not to have finding %s but it had:%n%s",
                    actual.getStream(), actual.getDurable(), ruleId, describe(found));
        }
        return this;
    }

    private LintReport lint(@Nullable ServerVersion version) {
        return version == null ? ContractLinter.lint(actual) : ContractLinter.lint(actual, version);
    }

    private static String forVersion(@Nullable ServerVersion version) {
        return version == null ? "" : " on nats-server " + version;
    }

    private static String describe(List<Finding> findings) {
        StringBuilder sb = new StringBuilder();
        findings.forEach(f -> sb.append("  ").append(f).append(System.lineSeparator()));
        return sb.toString();
    }
}
