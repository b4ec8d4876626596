package dev.jscontract.contract;

import java.util.Objects;

/**
 * A contract has lint errors, so it is not started (or provisioned): the message lists every error with its values
 * and fix, and says how to suppress a rule on purpose; {@link #getReport()} has the findings structured.
 *
 * <pre>{@code
 * ConsumerContract.builder()...
 *     .suppress("MAP-001", "the server default of 1000 is what we want")   // with the written reason
 *     .build();
 * }</pre>
 */
public final class ContractLintException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    private final transient LintReport report;

    /**
     * @param report a report with at least one error
     * @param target what was refused, e.g. {@code "consumer ORDERS/billing"}
     */
    public ContractLintException(LintReport report, String target) {
        super(message(Objects.requireNonNull(report, "report"), target));
        this.report = report;
    }

    private static String message(LintReport report, String target) {
        StringBuilder sb = new StringBuilder();
        sb.append(target)
                .append(" is not started: its contract has ")
                .append(report.getErrors().size())
                .append(report.getErrors().size() == 1 ? " lint error" : " lint errors")
                .append(":\n");
        for (Finding f : report.getErrors()) {
            sb.append("  ")
                    .append(f.getRuleId())
                    .append(": ")
                    .append(f.getMessage())
                    .append("\n    fix: ")
                    .append(f.getFix())
                    .append('\n');
        }
        String first = report.getErrors().isEmpty()
                ? "RULE-ID"
                : report.getErrors().get(0).getRuleId();
        sb.append("Fix the contract, or, if a rule does not apply, suppress it on purpose with the reason: ")
                .append("ConsumerContract.builder()...suppress(\"")
                .append(first)
                .append("\", \"<why it does not apply>\")");
        return sb.toString();
    }

    /** The lint report (errors, warnings, suppressed and unchecked rules). */
    public LintReport getReport() {
        return report;
    }
}
