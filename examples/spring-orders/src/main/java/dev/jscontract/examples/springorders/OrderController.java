package dev.jscontract.examples.springorders;

import java.net.URI;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /orders} with {@code {"id": "o-1", "amount": 1250}}: 201 and the order; 409 when the id exists; 400
 * without an id. {@code GET /orders/{id}}: the order with its status, or 404.
 */
@RestController
@RequestMapping("/orders")
class OrderController {
    private final OrderService orders;

    OrderController(OrderService orders) {
        this.orders = orders;
    }

    @PostMapping
    ResponseEntity<Object> create(@RequestBody OrderCreated order) {
        if (order.id() == null || order.id().isBlank()) {
            return ResponseEntity.badRequest()
                    .body(ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, "an order needs an id"));
        }
        Order created = orders.create(order);
        return ResponseEntity.created(URI.create("/orders/" + created.id())).body(created);
    }

    @GetMapping("/{id}")
    ResponseEntity<Order> find(@PathVariable String id) {
        return ResponseEntity.of(orders.find(id));
    }

    @ExceptionHandler(DuplicateKeyException.class)
    ProblemDetail duplicate(DuplicateKeyException e) {
        return ProblemDetail.forStatusAndDetail(
                HttpStatus.CONFLICT, "an order with this id exists; nothing was stored, and no event was written");
    }
}
