package dev.jscontract.examples.springorders;

/**
 * The event written with each order, as JSON on {@code orders.created}: the body of {@code POST /orders} and the
 * payload {@link BillingListener} receives.
 *
 * @param id the order id
 * @param amount the amount to charge, in cents
 */
public record OrderCreated(String id, long amount) {}
