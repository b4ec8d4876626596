package dev.jscontract.examples.springorders;

import dev.jscontract.consumer.PermanentFailure;
import dev.jscontract.consumer.inbox.Inbox;
import dev.jscontract.spring.boot.ContractListener;
import io.nats.client.Message;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * Charges each order exactly once. JetStream delivers at least once (a crash between the commit and the ack, a late
 * ack), so the handler records the message in the inbox table in the same transaction as the charge: a redelivered
 * message finds its row, charges nothing, and is acknowledged.
 */
@Component
public class BillingListener {
    private final JdbcTemplate jdbc;
    private final Inbox inbox = Inbox.create(); // table jsc_inbox (schema installed by spring.sql.init)

    BillingListener(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Charges one order. Returning acknowledges the message; a thrown exception is retried with the contract's
     * backoff, and dead-lettered on the last delivery; a {@link PermanentFailure} is dead-lettered at once.
     *
     * <p>{@code noRollbackFor}: the {@code REJECTED} status commits although the method throws. Nothing else is
     * written before that throw.
     *
     * @throws PermanentFailure when the order can never be charged (its amount is not positive)
     */
    @ContractListener("billing")
    @Transactional(noRollbackFor = PermanentFailure.class)
    public void charge(OrderCreated order, Message message) {
        if (order.amount() <= 0) {
            jdbc.update("update orders set status = ? where id = ?", Order.Status.REJECTED.name(), order.id());
            throw new PermanentFailure(
                    "order " + order.id() + " has amount " + order.amount() + "; it can never be charged");
        }
        // the transaction's connection: the inbox row commits or rolls back with the charge
        Boolean first = jdbc.execute((ConnectionCallback<Boolean>) c -> inbox.record(c, "billing", message));
        if (!Boolean.TRUE.equals(first)) {
            return; // charged by an earlier delivery of this message
        }
        jdbc.update("insert into charges (order_id, amount) values (?, ?)", order.id(), order.amount());
        jdbc.update("update orders set status = ? where id = ?", Order.Status.CHARGED.name(), order.id());
    }
}
