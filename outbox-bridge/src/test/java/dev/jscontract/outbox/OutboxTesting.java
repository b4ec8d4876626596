package dev.jscontract.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.nats.client.Connection;
import io.nats.client.IterableConsumer;
import io.nats.client.JetStreamApiException;
import io.nats.client.Message;
import io.nats.client.api.OrderedConsumerConfiguration;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.support.NatsJetStreamConstants;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;

/** Helpers shared by the outbox integration tests: unique names, streams, reading a stream back, waiting. */
final class OutboxTesting {
    private OutboxTesting() {}

    /** A unique lowercase name with the given prefix, usable as table and (uppercased) stream name. */
    static String unique(String prefix) {
        return prefix + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    }

    /** Tables named after a unique prefix. */
    static OutboxTables tables(String prefix) {
        return OutboxTables.builder().table(unique(prefix)).build();
    }

    /** Creates a file-storage R1 stream on {@code <subject>.>} with the given duplicate window. */
    static void createStream(Connection nc, String stream, String subjectPrefix, Duration window)
            throws IOException, JetStreamApiException {
        createStream(nc, stream, subjectPrefix, window, 1);
    }

    /** Creates a file-storage stream on {@code <subject>.>} with the given duplicate window and replicas. */
    static void createStream(Connection nc, String stream, String subjectPrefix, Duration window, int replicas)
            throws IOException, JetStreamApiException {
        nc.jetStreamManagement()
                .addStream(StreamConfiguration.builder()
                        .name(stream)
                        .subjects(subjectPrefix + ".>")
                        .storageType(StorageType.File)
                        .duplicateWindow(window)
                        .replicas(replicas)
                        .build());
    }

    /** A stream name for a table name. */
    static String streamName(String table) {
        return table.toUpperCase(Locale.ROOT);
    }

    /** One stored message. */
    record Stored(long sequence, String subject, String messageId, String payload) {}

    /** Every message of the stream, in stream order. */
    static List<Stored> readStream(Connection nc, String stream) throws Exception {
        long count =
                nc.jetStreamManagement().getStreamInfo(stream).getStreamState().getMsgCount();
        List<Stored> out = new ArrayList<>((int) count);
        if (count == 0) {
            return out;
        }
        try (IterableConsumer it = nc.getStreamContext(stream)
                .createOrderedConsumer(new OrderedConsumerConfiguration())
                .iterate()) {
            while (out.size() < count) {
                Message m = it.nextMessage(Duration.ofSeconds(10));
                if (m == null) {
                    throw new AssertionError("stream " + stream + " has " + count + " messages but only " + out.size()
                            + " could be read");
                }
                String id = m.getHeaders() == null ? null : m.getHeaders().getFirst(NatsJetStreamConstants.MSG_ID_HDR);
                out.add(new Stored(
                        m.metaData().streamSequence(),
                        m.getSubject(),
                        id,
                        new String(m.getData(), StandardCharsets.UTF_8)));
            }
        }
        return out;
    }

    /** Rows left in a table. */
    static long count(DataSource ds, String table) throws SQLException {
        try (java.sql.Connection c = ds.getConnection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Polls the condition every 20 ms until it holds or the timeout passes. */
    static void await(Duration timeout, String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for: " + what);
            }
            Thread.sleep(20);
        }
    }

    /** A condition that may throw. */
    interface Check {
        boolean holds() throws Exception;
    }

    /** Like {@link #await} for a condition that may throw (a throw counts as "not yet"). */
    static void awaitChecked(Duration timeout, String what, Check condition) throws InterruptedException {
        await(timeout, what, () -> {
            try {
                return condition.holds();
            } catch (Exception e) {
                return false;
            }
        });
    }

    /**
     * Asserts per-key commit order for rows written by one writer in sequence: message ids {@code <prefix><n>} with
     * ordering key {@code k<n % keys>}, so within a key the stream must hold increasing {@code n}.
     */
    static void assertPerKeyOrder(List<Stored> stored, String prefix, int keys) {
        java.util.Map<Integer, Integer> last = new java.util.HashMap<>();
        for (Stored s : stored) {
            int n = Integer.parseInt(s.messageId().substring(prefix.length()));
            Integer previous = last.put(n % keys, n);
            assertThat(previous == null || previous < n)
                    .as("key k%d: row %d stored after row %d", n % keys, n, previous)
                    .isTrue();
        }
    }

    /** Asserts that each message id occurs exactly once. */
    static void assertEachIdOnce(List<Stored> stored) {
        assertThat(stored).extracting(Stored::messageId).doesNotHaveDuplicates().doesNotContainNull();
    }
}
