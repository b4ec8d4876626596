package dev.jscontract.spring.boot.readme;

import dev.jscontract.spring.boot.ContractListener;
import io.nats.client.Message;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.springframework.stereotype.Component;

/** The README's listener. */
// readme:listener
@Component
public class BillingListener {
    final List<Order> charged = new CopyOnWriteArrayList<>(); // for the test

    /** Return: ack. Throw: retry with the contract's backoff, or dead-letter on the last delivery. */
    @ContractListener("billing")
    public void charge(Order order, Message message) {
        charged.add(order);
    }

    /** The payload, decoded from JSON. */
    public record Order(String id, long cents) {}
}
// readme:end
