package dev.jscontract.contract;

/**
 * The consumer on the server does not match its contract after provisioning (UPD-001), or would need a change the
 * server refuses (UPD-002). The message lists every field with both values and the fix; {@link #getDrift()} has
 * them structured.
 */
public final class ContractDriftException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    private final transient Drift drift;

    /**
     * @param consumer {@code stream/durable}
     * @param drift the differences
     * @param context what was being done, e.g. "after update"
     */
    public ContractDriftException(String consumer, Drift drift, String context) {
        super("consumer " + consumer + " does not match its contract (" + context + "):\n" + drift.toText()
                + (drift.hasImmutableChanges()
                        ? "immutable fields can only change by deleting and recreating the consumer (see the fix)."
                        : "run the provisioner in CREATE_OR_UPDATE mode to apply the contract, or change the"
                                + " contract to what the server has."));
        this.drift = drift;
    }

    /** The differences. */
    public Drift getDrift() {
        return drift;
    }
}
