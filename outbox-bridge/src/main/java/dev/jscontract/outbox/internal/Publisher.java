package dev.jscontract.outbox.internal;

import dev.jscontract.outbox.PublishFailure;
import io.nats.client.JetStream;
import io.nats.client.impl.Headers;
import io.nats.client.support.NatsJetStreamConstants;
import java.util.List;
import java.util.function.Supplier;

/**
 * Sends one claimed batch: each row with {@code publishAsync} and its {@code Nats-Msg-Id}, in id order over the one
 * NATS connection, so a key's rows reach the stream in the order they were claimed. Before each row it checks that the
 * relay still owns the batch's partitions (the ownership epoch), that publishing is not held by a NATS outage ({@link
 * PublishHold}: the rows not sent stay in the table and are claimed again once it resumes) and that the row's key is
 * not held back by a failure; a row that cannot become a message (malformed headers, a payload over max_payload) fails
 * at once, without a send. The futures complete into the {@link Batch}; the settle thread reads them. A future that
 * fails with an outage sets {@link InFlight#outageSeen} before it completes the row, so publishing holds at once.
 */
final class Publisher {
    private final JetStream js;
    private final RelayConfig config;
    private final InFlight inFlight;
    private final Supplier<Ownership> ownership;
    private final PublishHold hold;

    Publisher(JetStream js, RelayConfig config, InFlight inFlight, Supplier<Ownership> ownership, PublishHold hold) {
        this.js = js;
        this.config = config;
        this.inFlight = inFlight;
        this.ownership = ownership;
        this.hold = hold;
    }

    /**
     * Sends up to {@code limit} of the batch's rows (1 for the probe after a hold) and seals it with the publish
     * timeout as its deadline.
     */
    void publish(Batch batch, int limit) {
        List<ClaimedRow> rows = batch.rows;
        int sends = 0;
        for (int i = 0; i < rows.size() && sends < limit; i++) {
            ClaimedRow row = rows.get(i);
            if (ownership.get().epoch() != batch.epoch) {
                break; // ownership changed: rows not yet sent stay in the table for the next owner
            }
            if (hold.mustHold()) {
                break; // NATS broke or a publish failed with an outage: the rest waits in the table (PublishHold)
            }
            String key = row.orderingKey();
            if (key != null && inFlight.isHeld(key, batch.claimSeq)) {
                continue; // an earlier row of this key failed: keep the key's order
            }
            int index = i;
            try {
                Headers headers = new Headers();
                HeadersJson.read(row.headersJson(), headers::add);
                headers.put(NatsJetStreamConstants.MSG_ID_HDR, row.messageId());
                batch.sending(index);
                sends++;
                try {
                    js.publishAsync(row.subject(), headers, row.payload()).whenComplete((ack, error) -> {
                        if (error != null && !batch.settled && PublishHold.isOutage(PublishFailures.ofFuture(error))) {
                            inFlight.outageSeen = true; // before the row completes: the settle thread sees both
                        }
                        batch.complete(index, ack, error);
                    });
                } catch (RuntimeException e) {
                    batch.complete(index, null, e);
                    throw e;
                }
            } catch (RuntimeException e) {
                PublishFailures.Failure f = PublishFailures.ofSend(e);
                if (f.reason() == PublishFailure.CONNECTION) {
                    inFlight.outageSeen = true;
                    break; // the connection is closed or its reconnect buffer is full: stop this batch, hold
                }
                batch.sendFailures[index] = f;
                if (key != null) {
                    inFlight.holdKey(key, Long.MAX_VALUE);
                }
            }
        }
        batch.seal(System.nanoTime() + config.publishTimeout().toNanos());
    }
}
