package dev.jscontract.contract;

/**
 * A contract uses a feature that the target nats-server version does not have and would silently drop (B-21): for
 * example {@code metadata} on 2.9, where the server accepts the request and forgets the field. Rendering refuses
 * instead of producing a consumer that differs from the contract.
 */
public final class UnsupportedServerFeatureException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    private final String feature;
    private final ServerVersion required;
    private final ServerVersion actual;

    /**
     * @param feature the contract option, e.g. {@code metadata}
     * @param required the first server version that supports it
     * @param actual the target server version
     */
    public UnsupportedServerFeatureException(String feature, ServerVersion required, ServerVersion actual) {
        super(feature + " needs nats-server " + required + " or newer, but the target server is " + actual
                + ", which would accept and silently drop it (B-21, lint VER-001); remove " + feature
                + " from the contract or upgrade the server to " + required + "+");
        this.feature = feature;
        this.required = required;
        this.actual = actual;
    }

    /** The contract option. */
    public String getFeature() {
        return feature;
    }

    /** The first version that supports it. */
    public ServerVersion getRequired() {
        return required;
    }

    /** The target version. */
    public ServerVersion getActual() {
        return actual;
    }
}
