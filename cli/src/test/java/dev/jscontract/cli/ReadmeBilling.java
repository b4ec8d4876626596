package dev.jscontract.cli;

import dev.jscontract.consumer.PermanentFailure;

/** The handler of the README's "Operate dead letters" example: an order without an amount cannot be charged. */
final class ReadmeBilling {
    private ReadmeBilling() {}

    static void charge(Order order) {
        if (order.cents() <= 0) {
            throw new PermanentFailure("order " + order.id() + " has no amount");
        }
    }
}
