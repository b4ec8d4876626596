package dev.jscontract.consumer.internal;

import io.nats.client.Message;
import io.nats.client.impl.NatsJetStreamMetaData;
import io.nats.client.impl.NatsMessage;
import java.nio.charset.StandardCharsets;

/**
 * Deliveries whose JetStream metadata jnats reads from the reply subject, for unit tests of paths that need it (the
 * dead-letter envelope takes the original's timestamp from {@link Message#metaData()}). jnats' public {@code
 * Message.metaData()} returns the impl type {@link NatsJetStreamMetaData}, so this fake has to name it; that is why
 * this one file is exempt from the NoJnatsImpl rule (build-config/checkstyle-suppressions.xml).
 */
final class JetStreamDeliveries {
    private JetStreamDeliveries() {}

    /** Delivery {@code delivered} of stream sequence 42 in ORDERS/billing, body {@code body}. */
    static Message delivery(int delivered, String body) {
        return new NatsMessage(
                "orders.created",
                "$JS.ACK.ORDERS.billing." + delivered + ".42.1.1700000000000000000.0",
                body.getBytes(StandardCharsets.UTF_8)) {
            @Override
            public boolean isJetStream() {
                return true;
            }

            @Override
            public NatsJetStreamMetaData metaData() {
                return new NatsJetStreamMetaData(this);
            }
        };
    }
}
