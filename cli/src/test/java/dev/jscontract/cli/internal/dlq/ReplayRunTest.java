package dev.jscontract.cli.internal.dlq;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.contract.DeadLetterReason;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The order of a replay's effects, with the server replaced by a fake whose PubAcks the test completes: nothing is
 * removed before its PubAck; a failed publish is kept; the acknowledged prefix is purged up to the lowest sequence
 * in doubt; beyond a message that is not replayed, each is deleted by itself.
 */
class ReplayRunTest {
    /** Records what the replay asked of the server; PubAcks complete when the test says. */
    static final class FakeIo implements ReplayIo {
        final Map<String, CompletableFuture<PublishAck>> pending = new LinkedHashMap<>();
        final List<String> effects = Collections.synchronizedList(new ArrayList<>());

        @Override
        public CompletableFuture<PublishAck> publish(String subject, Headers headers, byte[] body, String id) {
            effects.add("publish " + id + " to " + subject + " from " + headers.getFirst("Jsc-Replayed-From"));
            CompletableFuture<PublishAck> f = new CompletableFuture<>();
            pending.put(id, f);
            return f;
        }

        @Override
        public CompletableFuture<Boolean> delete(String stream, long sequence) {
            effects.add("delete " + sequence);
            return CompletableFuture.completedFuture(true);
        }

        @Override
        public long purgeBelow(String stream, long sequence) {
            effects.add("purge below " + sequence);
            return effects.stream().filter(e -> e.startsWith("publish")).count(); // not used for counts here
        }

        void ack(long seq, boolean duplicate) throws Exception {
            String json =
                    "{\"stream\":\"ORDERS\",\"seq\":" + (1000 + seq) + (duplicate ? ",\"duplicate\":true" : "") + "}";
            pending.get("replay-DLQ_ORDERS-" + seq)
                    .complete(new PublishAck(NatsMessage.builder()
                            .subject("_INBOX.x")
                            .data(json.getBytes(StandardCharsets.UTF_8))
                            .build()));
        }

        void fail(long seq) {
            pending.get("replay-DLQ_ORDERS-" + seq).completeExceptionally(new java.io.IOException("503 No Responders"));
        }
    }

    private static DeadLetter letter(long seq) {
        return RenderGoldenTest.deadLetter(
                seq,
                DeadLetterReason.PERMANENT_ERROR,
                "X",
                "m",
                "a.B.c",
                ("body-" + seq).getBytes(StandardCharsets.UTF_8),
                0);
    }

    @Test
    void nothingIsRemovedBeforeItsPubAckAndTheAcknowledgedPrefixIsPurgedOnce() throws Exception {
        FakeIo io = new FakeIo();
        ReplayRun run = new ReplayRun("DLQ_ORDERS", io, false, Duration.ofSeconds(1), 1, 1);
        run.offer(1, "orders.created", letter(1));
        run.offer(2, "orders.created", letter(2));
        run.offer(3, "orders.created", letter(3));
        io.ack(2, false);
        run.flush(true);
        assertThat(io.effects).noneMatch(e -> e.startsWith("delete") || e.startsWith("purge"));
        io.ack(1, true);
        run.flush(true);
        assertThat(io.effects).last().isEqualTo("purge below 3");
        io.ack(3, false);
        ReplayResult r = run.finish(false);
        assertThat(io.effects)
                .containsExactly(
                        "publish replay-DLQ_ORDERS-1 to orders.created from DLQ_ORDERS:1",
                        "publish replay-DLQ_ORDERS-2 to orders.created from DLQ_ORDERS:2",
                        "publish replay-DLQ_ORDERS-3 to orders.created from DLQ_ORDERS:3",
                        "purge below 3",
                        "purge below 4");
        assertThat(r.stored()).isEqualTo(2);
        assertThat(r.duplicates()).isEqualTo(1);
        assertThat(r.failed()).isZero();
    }

    @Test
    void aFailedPublishIsKeptAndLaterOnesAreDeletedOneByOne() throws Exception {
        FakeIo io = new FakeIo();
        ReplayRun run = new ReplayRun("DLQ_ORDERS", io, false, Duration.ofSeconds(1), 1, 1);
        for (long s = 1; s <= 4; s++) {
            run.offer(s, "orders.created", letter(s));
        }
        io.ack(1, false);
        io.fail(2);
        io.ack(3, false);
        io.ack(4, false);
        ReplayResult r = run.finish(false);
        assertThat(io.effects.subList(4, io.effects.size()))
                .containsExactlyInAnyOrder("delete 3", "delete 4", "purge below 2");
        assertThat(io.effects).doesNotContain("delete 2");
        assertThat(r.failed()).isEqualTo(1);
        assertThat(r.failures())
                .containsExactly("DLQ_ORDERS:2 -> orders.created: no stream captures the subject (503 no responders)");
        assertThat(r.removed()).isEqualTo(3);
    }

    @Test
    void aSkippedMessageBreaksThePrefixAndKeepRemovesNothing() throws Exception {
        FakeIo io = new FakeIo();
        ReplayRun run = new ReplayRun("DLQ_ORDERS", io, false, Duration.ofSeconds(1), 1, 1);
        run.skip(1, false);
        run.offer(2, "orders.created", letter(2));
        io.ack(2, false);
        run.finish(false);
        assertThat(io.effects).last().isEqualTo("delete 2");
        assertThat(io.effects).noneMatch(e -> e.startsWith("purge"));

        FakeIo kept = new FakeIo();
        ReplayRun keep = new ReplayRun("DLQ_ORDERS", kept, true, Duration.ofSeconds(1), 1, 1);
        keep.offer(1, "orders.created", letter(1));
        kept.ack(1, false);
        assertThat(keep.finish(false).removed()).isZero();
        assertThat(kept.effects).hasSize(1);
    }

    @Test
    void aReplayThatDoesNotStartAtTheFirstSequenceNeverPurges() throws Exception {
        FakeIo io = new FakeIo();
        ReplayRun run = new ReplayRun("DLQ_ORDERS", io, false, Duration.ofSeconds(1), 1, 5);
        run.offer(5, "orders.created", letter(5));
        io.ack(5, false);
        run.finish(false);
        assertThat(io.effects).last().isEqualTo("delete 5");
    }
}
