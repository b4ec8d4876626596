package dev.jscontract.contract;

/** How serious a lint finding is; ordered {@code INFO < WARNING < ERROR}. */
public enum Severity {
    /** Worth knowing; never fails a build. */
    INFO,
    /** Likely a mistake; fails a build only if the caller chooses. */
    WARNING,
    /** A configuration that leads to the failure the rule describes; {@code hasNoLintErrors()} fails on it. */
    ERROR;

    /** The lowercase name used in JSON and text output. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
