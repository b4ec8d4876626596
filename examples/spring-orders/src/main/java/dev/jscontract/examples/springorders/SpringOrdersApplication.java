package dev.jscontract.examples.springorders;

import dev.jscontract.contract.Backoff;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.contract.DeadLetterPolicy;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;
import java.io.IOException;
import java.time.Duration;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/**
 * The orders story as a Spring Boot application. {@code POST /orders} stores an order and its {@code orders.created}
 * event in one transaction ({@link OrderService}); the starter's relay publishes the event to the {@code ORDERS}
 * stream; the {@code billing} consumer, run by the starter under the contract below, charges each order exactly once
 * ({@link BillingListener}); an order that can never be charged is dead-lettered to {@code DLQ_ORDERS}. {@code GET
 * /orders/{id}} shows where an order is.
 *
 * <p>Everything jscontract-specific is this class's two beans, the listener method, the {@code
 * TransactionalOutboxWriter} call and {@code application.properties}; the single dependency is {@code
 * jscontract-spring-boot-starter}.
 */
@SpringBootApplication
public class SpringOrdersApplication {
    /** The stream the orders' events go to; its consumer {@code billing} is provisioned by the starter. */
    public static final String STREAM = "ORDERS";

    /** The subject of the event written with each order. */
    public static final String ORDER_CREATED = "orders.created";

    /** Starts the application. */
    public static void main(String[] args) {
        SpringApplication.run(SpringOrdersApplication.class, args);
    }

    /**
     * How {@code billing} may be delivered to, written down once: the starter provisions the durable consumer from
     * it (and {@code DLQ_ORDERS}), refuses to start when the server's consumer has drifted, and lints it at start.
     */
    @Bean
    ConsumerContract billing() {
        return ConsumerContract.builder().stream(STREAM)
                .durable("billing")
                .ackWait(Duration.ofSeconds(10)) // each delivery's ack deadline; heartbeats extend it
                .maxDeliver(4) // then dead-letter
                .backoff(Backoff.exponential(Duration.ofMillis(500), 2.0, Duration.ofSeconds(5))) // between attempts
                .deadLetter(DeadLetterPolicy.toDefaultSubject()) // dlq.ORDERS.billing in stream DLQ_ORDERS
                .filterSubject(ORDER_CREATED)
                .maxAckPending(64)
                .concurrency(4) // handler threads
                .maxProcessingTime(Duration.ofSeconds(30)) // a hung charge stops being heartbeated after this
                .build();
    }

    /**
     * Creates the {@code ORDERS} stream when it does not exist; an existing stream is left as it is. Consumers and
     * the relay start after every bean exists, so the stream is there before {@code billing} is provisioned. (Where
     * streams are managed outside the application, by the {@code nats} CLI or Terraform, drop this bean.)
     *
     * @throws JetStreamApiException when the server refuses the stream
     */
    @Bean
    StreamInfo ordersStream(Connection nats) throws IOException, JetStreamApiException {
        JetStreamManagement jsm = nats.jetStreamManagement();
        try {
            return jsm.getStreamInfo(STREAM);
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() != 10059) { // 10059: stream not found
                throw e;
            }
        }
        return jsm.addStream(StreamConfiguration.builder()
                .name(STREAM)
                .subjects("orders.>")
                .retentionPolicy(RetentionPolicy.WorkQueue) // an event is gone once billing acknowledged it
                // longer than the relay may retry a row, so a re-published event is dropped (PUB-002)
                .duplicateWindow(Duration.ofMinutes(2))
                .build());
    }
}
