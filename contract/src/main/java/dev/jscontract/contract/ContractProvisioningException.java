package dev.jscontract.contract;

/**
 * The server refused, or could not be asked, to create, update or read a consumer or stream for a contract. The
 * message names the object, the server's error code and text, and what to do.
 */
public final class ContractProvisioningException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message what failed and what to do */
    public ContractProvisioningException(String message, Throwable cause) {
        super(message, cause);
    }

    /** @param message what failed and what to do */
    public ContractProvisioningException(String message) {
        super(message);
    }
}
