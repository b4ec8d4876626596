package dev.jscontract.consumer.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jscontract.consumer.ConsumerEvent;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.contract.ContractProvisioner;
import dev.jscontract.contract.ContractProvisioningException;
import dev.jscontract.contract.DeadLetterEnvelope;
import dev.jscontract.contract.DeadLetterHeaders;
import dev.jscontract.contract.DeadLetterPolicy;
import dev.jscontract.contract.DeadLetterReason;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.Message;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StreamInfo;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dead-letters messages whose every delivery timed out (a crashed or hung consumer never reaches the handler's
 * dead-letter path): a durable consumer on the advisory capture stream ({@code JSC_ADV_<stream>}, filtered to this
 * consumer's {@code $JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.<stream>.<durable>}, B-12/B-14) hands each advisory
 * to {@link #process(Message)}, which
 *
 * <ol>
 *   <li>reads the original by stream sequence ({@code jsm.getMessage}); max-delivered messages stay in WorkQueue and
 *       Interest streams (B-13), but limits may have removed it;
 *   <li>publishes envelope v1 with reason {@code max-deliveries} and the same id {@code dlq-<stream>-<seq>} as the
 *       handler path, so a message is stored once even when both paths fire; when the original is gone, the
 *       envelope has an empty body, the advisory's delivery count and time, and the consumer's filter subject (or
 *       {@value #UNKNOWN_SUBJECT}) as subject, since the advisory carries no subject;
 *   <li>deletes the original from a WorkQueue stream, and from an Interest stream when this consumer is the stream's
 *       only one (deleting it there would take it from other consumers that still need it);
 *   <li>acks the advisory. Any failure NAKs the advisory with a delay, so nothing is lost.
 * </ol>
 *
 * <p>Several instances of one consumer share the sweeper's durable ({@code jsc_sweep_<durable>}), so each advisory
 * is handled by one of them; if two race, the message id deduplicates the envelope.
 */
public final class Sweeper {
    private static final Logger LOG = LoggerFactory.getLogger(Sweeper.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The subject recorded when the original is gone and the consumer has no single filter subject. */
    public static final String UNKNOWN_SUBJECT = "_jsc.unknown-subject";
    /** How long a failed advisory waits before it is tried again. */
    static final Duration RETRY_DELAY = Duration.ofSeconds(2);

    private static final int CONSUMER_NOT_FOUND = 10014;
    private static final int STREAM_NOT_FOUND = 10059;
    private static final int NO_MESSAGE_FOUND = 10037;

    private final JetStreamManagement jsm;
    private final ConsumerContract contract;
    private final DeadLetterWriter writer;
    private final EventBus events;
    private final Clock clock;
    private final String instance;
    private final RetentionPolicy retention;

    /** Wires a sweeper; {@code retention} is the source stream's. */
    public Sweeper(
            JetStreamManagement jsm,
            ConsumerContract contract,
            DeadLetterWriter writer,
            EventBus events,
            Clock clock,
            String instance,
            RetentionPolicy retention) {
        this.jsm = jsm;
        this.contract = contract;
        this.writer = writer;
        this.events = events;
        this.clock = clock;
        this.instance = instance;
        this.retention = retention;
    }

    /** The sweeper's durable name on the advisory stream: {@code jsc_sweep_<durable>}. */
    public static String durableFor(ConsumerContract contract) {
        return "jsc_sweep_" + contract.getDurable();
    }

    /** The advisory capture stream. */
    public static String advisoryStreamFor(ConsumerContract contract) {
        return contract.getDeadLetterPolicy().advisoryStreamFor(contract.getStream());
    }

    /**
     * Creates the sweeper's durable on the advisory stream (CREATE_OR_UPDATE), or checks that it exists
     * (VERIFY_ONLY).
     *
     * @throws ContractProvisioningException when the advisory stream is missing, or the durable is missing in
     *     VERIFY_ONLY mode, or the server refuses
     */
    public static void provision(JetStreamManagement jsm, ConsumerContract contract, ContractProvisioner.Mode mode) {
        String stream = advisoryStreamFor(contract);
        String durable = durableFor(contract);
        String filter = DeadLetterPolicy.maxDeliveriesAdvisorySubject(contract.getStream(), contract.getDurable());
        try {
            try {
                jsm.getConsumerInfo(stream, durable);
                return;
            } catch (JetStreamApiException e) {
                if (e.getApiErrorCode() == STREAM_NOT_FOUND) {
                    throw new ContractProvisioningException("the advisory capture stream " + stream + " does not"
                            + " exist, so the sweeper cannot dead-letter messages whose deliveries all timed out;"
                            + " provision with dead-letter streams (the default), create the stream, or disable the"
                            + " sweeper with ContractConsumer.Builder.noSweeper()");
                }
                if (e.getApiErrorCode() != CONSUMER_NOT_FOUND) {
                    throw e;
                }
            }
            if (mode == ContractProvisioner.Mode.VERIFY_ONLY) {
                throw new ContractProvisioningException("the sweeper consumer " + stream + "/" + durable + " does not"
                        + " exist and provisioning is VERIFY_ONLY, which never writes; create it (durable " + durable
                        + ", filter " + filter + ", explicit ack) or disable the sweeper with noSweeper()");
            }
            jsm.addOrUpdateConsumer(
                    stream,
                    ConsumerConfiguration.builder()
                            .durable(durable)
                            .description("jscontract sweeper for " + contract.getStream() + "/" + contract.getDurable()
                                    + ": dead-letters messages whose deliveries all timed out")
                            .filterSubject(filter)
                            .ackPolicy(AckPolicy.Explicit)
                            .deliverPolicy(DeliverPolicy.All)
                            .ackWait(Duration.ofSeconds(30))
                            .maxAckPending(100)
                            .build());
            LOG.info("created sweeper consumer {}/{} for {}", stream, durable, filter);
        } catch (JetStreamApiException e) {
            throw new ContractProvisioningException(
                    "the server refused to create or read the sweeper consumer " + stream + "/" + durable + ": "
                            + e.getErrorDescription() + " (err_code " + e.getApiErrorCode() + ")",
                    e);
        } catch (IOException e) {
            throw new ContractProvisioningException(
                    "could not create or read the sweeper consumer " + stream + "/" + durable + ": " + e.getMessage()
                            + "; check the connection",
                    e);
        }
    }

    /** The source stream's retention, read once at start. */
    public static RetentionPolicy retentionOf(JetStreamManagement jsm, String stream) {
        try {
            return jsm.getStreamInfo(stream).getConfiguration().getRetentionPolicy();
        } catch (JetStreamApiException | IOException e) {
            throw new ContractProvisioningException(
                    "could not read stream " + stream + " for the sweeper: " + e.getMessage(), e);
        }
    }

    /**
     * The fields of a MAX_DELIVERIES advisory the sweeper uses (B-12).
     *
     * @param timestamp when the server gave up on the message, or null when the advisory's timestamp is missing or
     *     unreadable
     */
    public record Advisory(
            String stream, String consumer, long streamSequence, long deliveries, @Nullable Instant timestamp) {
        /**
         * Parses an advisory payload.
         *
         * @throws IllegalArgumentException when it is not a max_deliver advisory with those fields
         */
        public static Advisory parse(byte[] json) {
            JsonNode n;
            try {
                n = JSON.readTree(json);
            } catch (IOException e) {
                throw new IllegalArgumentException("advisory is not JSON: " + e.getMessage(), e);
            }
            if (n == null || !n.isObject()) {
                throw new IllegalArgumentException("advisory is not a JSON object");
            }
            String type = n.path("type").asText("");
            if (!type.equals("io.nats.jetstream.advisory.v1.max_deliver")) {
                throw new IllegalArgumentException("not a MAX_DELIVERIES advisory: type '" + type + "'");
            }
            long seq = n.path("stream_seq").asLong(0);
            if (seq <= 0) {
                throw new IllegalArgumentException("advisory has no positive stream_seq: " + n.path("stream_seq"));
            }
            Instant ts;
            try {
                ts = Instant.parse(n.path("timestamp").asText(""));
            } catch (DateTimeParseException e) {
                ts = null; // the caller falls back to the time the advisory was captured, and says so
            }
            return new Advisory(
                    n.path("stream").asText(""),
                    n.path("consumer").asText(""),
                    seq,
                    n.path("deliveries").asLong(0),
                    ts);
        }
    }

    /** Handles one advisory message; settles it (ack, or NAK with delay on failure). */
    public void process(Message advisoryMessage) {
        Advisory adv;
        try {
            adv = Advisory.parse(advisoryMessage.getData());
        } catch (IllegalArgumentException e) {
            LOG.warn("sweeper {}: dropping a message that is not a usable advisory: {}", durableFor(contract), e);
            advisoryMessage.term();
            return;
        }
        if (!adv.stream().equals(contract.getStream()) || !adv.consumer().equals(contract.getDurable())) {
            LOG.warn(
                    "sweeper {}: advisory for {}/{} is not for this consumer; acked and ignored",
                    durableFor(contract),
                    adv.stream(),
                    adv.consumer());
            advisoryMessage.ack();
            return;
        }
        Instant gaveUpAt = adv.timestamp();
        if (gaveUpAt == null) {
            gaveUpAt = advisoryMessage.metaData().timestamp().toInstant();
            LOG.warn(
                    "sweeper {}: the MAX_DELIVERIES advisory for {} #{} has no readable timestamp; using the time it"
                            + " was captured, {}",
                    durableFor(contract),
                    adv.stream(),
                    adv.streamSequence(),
                    gaveUpAt);
        }
        try {
            sweep(adv, gaveUpAt);
            advisoryMessage.ack();
        } catch (Exception e) {
            LOG.warn(
                    "sweeper {}: could not dead-letter {} #{} ({}); the advisory is kept and retried in {}",
                    durableFor(contract),
                    adv.stream(),
                    adv.streamSequence(),
                    e.toString(),
                    RETRY_DELAY);
            try {
                advisoryMessage.nakWithDelay(RETRY_DELAY);
            } catch (RuntimeException nakFailed) {
                LOG.warn(
                        "sweeper {}: could not NAK the advisory ({}); it comes back after its ack wait",
                        durableFor(contract),
                        nakFailed.toString());
            }
            if (events.enabled()) {
                events.publish(new ConsumerEvent.SweepFailed(
                        events.now(), events.stream(), events.consumer(), adv.streamSequence(), e, RETRY_DELAY));
            }
        }
    }

    private void sweep(Advisory adv, Instant gaveUpAt) throws IOException, JetStreamApiException {
        MessageInfo original = readOriginal(adv.streamSequence());
        DeadLetterEnvelope.Builder b = DeadLetterEnvelope.builder()
                .originalStream(contract.getStream())
                .originalSequence(adv.streamSequence())
                .consumer(contract.getDurable())
                .deliveries(adv.deliveries())
                .reason(DeadLetterReason.MAX_DELIVERIES)
                .deadLetteredAt(clock.instant())
                .instance(instance);
        if (original != null) {
            byte[] data = original.getData();
            b.originalSubject(original.getSubject())
                    .originalTimestamp(original.getTime().toInstant())
                    .originalHeaders(original.getHeaders())
                    .error(DeadLetterHeaders.MAX_DELIVERIES_EXCEEDED, exhausted(adv))
                    .body(data == null ? new byte[0] : data);
        } else {
            b.originalSubject(fallbackSubject())
                    .originalTimestamp(gaveUpAt)
                    .error(
                            DeadLetterHeaders.MAX_DELIVERIES_EXCEEDED,
                            exhausted(adv) + "; the original was gone from the stream when the sweeper read it"
                                    + " (removed by limits or deleted): payload, headers and subject are unknown,"
                                    + " the timestamp is the advisory's")
                    .body(new byte[0]);
        }
        DeadLetterWriter.Stored stored = writer.publish(b.build());
        boolean deleted = false;
        if (original != null && shouldDelete()) {
            deleted = delete(adv.streamSequence());
        }
        LOG.info(
                "sweeper {}: message {} #{} dead-lettered after {} (max-deliveries: none was settled in time) to {}"
                        + " #{}{}{}",
                durableFor(contract),
                contract.getStream(),
                adv.streamSequence(),
                Settler.deliveries(adv.deliveries()),
                writer.stream(),
                stored.sequence(),
                stored.duplicate() ? " (already there)" : "",
                original == null ? "; the original was already gone" : deleted ? "; original deleted" : "");
        if (events.enabled()) {
            events.publish(new ConsumerEvent.MaxDeliveriesSwept(
                    events.now(),
                    events.stream(),
                    events.consumer(),
                    adv.streamSequence(),
                    adv.deliveries(),
                    original != null,
                    writer.stream(),
                    stored.sequence(),
                    stored.duplicate(),
                    deleted));
        }
    }

    private static String exhausted(Advisory adv) {
        return "all " + adv.deliveries() + " deliveries ended without a settle (the ack deadline expired: the consumer"
                + " crashed or hung, or its own dead-lettering failed on the last delivery)";
    }

    private String fallbackSubject() {
        if (contract.getFilterSubjects().size() == 1) {
            return contract.getFilterSubjects().get(0);
        }
        return UNKNOWN_SUBJECT;
    }

    private @Nullable MessageInfo readOriginal(long seq) throws IOException, JetStreamApiException {
        try {
            return jsm.getMessage(contract.getStream(), seq);
        } catch (JetStreamApiException e) {
            if (isNotFound(e)) {
                return null;
            }
            throw e;
        }
    }

    private boolean shouldDelete() throws IOException, JetStreamApiException {
        if (retention == RetentionPolicy.WorkQueue) {
            return true;
        }
        if (retention == RetentionPolicy.Interest) {
            StreamInfo info = jsm.getStreamInfo(contract.getStream());
            return info.getStreamState().getConsumerCount() <= 1;
        }
        return false;
    }

    private boolean delete(long seq) throws IOException, JetStreamApiException {
        try {
            return jsm.deleteMessage(contract.getStream(), seq);
        } catch (JetStreamApiException e) {
            if (isNotFound(e)) {
                return false;
            }
            throw e;
        }
    }

    private static boolean isNotFound(JetStreamApiException e) {
        return e.getApiErrorCode() == NO_MESSAGE_FOUND || e.getErrorCode() == 404;
    }
}
