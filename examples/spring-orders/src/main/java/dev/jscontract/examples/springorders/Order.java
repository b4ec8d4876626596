package dev.jscontract.examples.springorders;

/**
 * An order as {@code GET /orders/{id}} shows it.
 *
 * @param id the order id, chosen by the client
 * @param amount the amount to charge, in cents
 * @param status where the order is
 */
public record Order(String id, long amount, Status status) {

    /** Where an order is. */
    public enum Status {
        /** Stored with its event; not charged yet. */
        CREATED,
        /** Charged by {@link BillingListener}. */
        CHARGED,
        /** Billing refused it for good; its event is in the dead-letter stream. */
        REJECTED
    }
}
