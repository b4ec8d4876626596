package dev.jscontract.examples.springorders;

import dev.jscontract.outbox.JacksonPayloadCodec;
import dev.jscontract.outbox.OutboxMessage;
import dev.jscontract.spring.boot.TransactionalOutboxWriter;
import java.util.List;
import java.util.Optional;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Stores orders; each with its {@code orders.created} event, in the same transaction. */
@Service
public class OrderService {
    private final JdbcTemplate jdbc;
    private final TransactionalOutboxWriter outbox;

    OrderService(JdbcTemplate jdbc, TransactionalOutboxWriter outbox) {
        this.jdbc = jdbc;
        this.outbox = outbox;
    }

    /**
     * Stores the order and its event. Both commit together or not at all: the relay publishes the event only after
     * the commit, and never an event whose order rolled back.
     *
     * @return the stored order
     * @throws DuplicateKeyException when an order with this id exists; nothing is stored, the event neither
     */
    @Transactional
    public Order create(OrderCreated order) {
        // The event is written first only to make the transaction visible: a duplicate id fails the insert below,
        // after the event row exists, and the rollback takes the event with it. Either order of the two writes is
        // correct.
        outbox.write(OutboxMessage.builder()
                .subject(SpringOrdersApplication.ORDER_CREATED)
                .payload(order, JacksonPayloadCodec.defaults())
                .messageId("order-" + order.id() + "-created") // the stream drops a re-published copy
                .orderingKey(order.id()) // later events of this order are published after this one
                .build());
        jdbc.update(
                "insert into orders (id, amount, status) values (?, ?, ?)",
                order.id(),
                order.amount(),
                Order.Status.CREATED.name());
        return new Order(order.id(), order.amount(), Order.Status.CREATED);
    }

    /** The order with this id, if there is one. */
    @Transactional(readOnly = true)
    public Optional<Order> find(String id) {
        List<Order> found = jdbc.query(
                "select id, amount, status from orders where id = ?",
                (rs, n) -> new Order(
                        rs.getString("id"), rs.getLong("amount"), Order.Status.valueOf(rs.getString("status"))),
                id);
        return found.stream().findFirst();
    }
}
