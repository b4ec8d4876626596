package dev.jscontract.cli.internal.outbox;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.jscontract.cli.CliCommand;
import dev.jscontract.cli.ExitCodes;
import dev.jscontract.cli.Session;
import dev.jscontract.cli.Terminal;
import dev.jscontract.cli.internal.dlq.DlqRender;
import dev.jscontract.cli.internal.text.Durations;
import dev.jscontract.cli.internal.text.Json;
import dev.jscontract.cli.internal.text.Table;
import dev.jscontract.outbox.OutboxAdmin;
import dev.jscontract.outbox.OutboxStatus;
import dev.jscontract.outbox.PartitionOwner;
import dev.jscontract.outbox.WalSlot;
import dev.jscontract.outbox.XminBlocker;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * {@code jscontract outbox status}: backlog (and how much of it waits for a retry), lag (age of the oldest row),
 * parked rows, the partitions and the relay session that owns each (from the advisory locks in {@code pg_locks}),
 * the transactions that hold back the xmin horizon, and the WAL-mode relay's replication slot (whether a relay streams
 * from it, the WAL it keeps, how far behind it is).
 *
 * @param db the outbox
 * @param json one JSON document instead of text
 * @param slot the replication slot of a WAL-mode relay
 * @param slotNamed whether the slot was named on the command line (then a missing slot is reported; the default
 *     slot is shown only when it exists)
 */
public record OutboxStatusCommand(OutboxDb db, boolean json, String slot, boolean slotNamed) implements CliCommand {
    private static final int BLOCKERS = 5;

    @Override
    public int run(Session session) throws Exception {
        OutboxAdmin admin = db.admin();
        OutboxStatus status;
        List<PartitionOwner> owners;
        List<XminBlocker> blockers;
        Optional<WalSlot> wal;
        try {
            status = admin.status();
            owners = admin.owners();
            blockers = admin.xminBlockers(BLOCKERS);
            wal = admin.walSlot(slot);
        } catch (SQLException e) {
            throw db.failure("read the outbox status", e);
        }
        Instant now = session.clock().instant();
        Duration lag = status.getOldestCreatedAt() == null
                ? Duration.ZERO
                : Duration.between(status.getOldestCreatedAt(), now).isNegative()
                        ? Duration.ZERO
                        : Duration.between(status.getOldestCreatedAt(), now);
        Map<String, Owner> byOwner = new LinkedHashMap<>();
        for (PartitionOwner o : owners) {
            String key = o.getPid().isPresent() ? Integer.toString(o.getPid().getAsInt()) : "-";
            byOwner.computeIfAbsent(key, k -> new Owner(o)).partitions.add(o.getPartition());
        }
        Terminal t = session.terminal();
        if (json) {
            Json.document(t.out(), g -> json(g, status, lag, byOwner, blockers, wal.orElse(null)));
            return ExitCodes.OK;
        }
        t.out().println("outbox " + db.tables().qualifiedTable() + " (" + status.getPartitions() + " partitions)");
        t.out()
                .println("  backlog  " + status.getBacklog() + " row" + (status.getBacklog() == 1 ? "" : "s") + " ("
                        + status.getRetrying() + " waiting for a retry)");
        t.out()
                .println("  lag      "
                        + (status.getOldestCreatedAt() == null
                                ? "0s (empty)"
                                : Durations.human(lag) + " (oldest row written "
                                        + DlqRender.time(status.getOldestCreatedAt()) + ")"));
        t.out()
                .println("  parked   " + status.getParked() + " row" + (status.getParked() == 1 ? "" : "s")
                        + (status.getParked() > 0 ? ": see `jscontract outbox parked`" : ""));
        t.out().println();
        Table owned = new Table("OWNER", "PID", "PARTITIONS", "CLIENT", "SESSION SINCE").flexible("OWNER");
        for (Owner o : byOwner.values()) {
            PartitionOwner p = o.first;
            owned.row(
                    p.getPid().isPresent() ? String.valueOf(p.getApplicationName()) : "(no relay)",
                    p.getPid().isPresent() ? Integer.toString(p.getPid().getAsInt()) : "-",
                    ranges(o.partitions),
                    p.getClientAddress(),
                    p.getSince() == null ? null : DlqRender.time(p.getSince()));
        }
        owned.print(t.out(), t.width());
        if (byOwner.size() == 1 && byOwner.containsKey("-")) {
            t.out().println("no relay owns a partition: nothing is being published");
        }
        t.out().println();
        if (blockers.isEmpty()) {
            t.out().println("xmin horizon: no open transaction holds it back");
        } else {
            t.out().println("xmin horizon held back by (vacuum cannot remove outbox rows deleted since they began):");
            Table b = new Table("PID", "STATE", "APPLICATION", "OPEN FOR", "SINCE").flexible("APPLICATION");
            for (XminBlocker x : blockers) {
                b.row(
                        Integer.toString(x.getPid()),
                        x.getState(),
                        x.getApplicationName(),
                        Durations.human(x.getAge()),
                        DlqRender.time(x.getSince()));
            }
            b.print(t.out(), t.width());
        }
        if (wal.isPresent()) {
            t.out().println();
            printSlot(t, wal.get());
        } else if (slotNamed) {
            t.out().println();
            t.out().println("WAL slot " + slot + ": no such replication slot (a WAL-mode relay creates it at start)");
        }
        t.out().flush();
        return ExitCodes.OK;
    }

    private static void printSlot(Terminal t, WalSlot s) {
        t.out()
                .println("WAL slot " + s.getName() + ": "
                        + (s.isActive()
                                ? "streaming to a relay (pid "
                                        + s.getActivePid().getAsInt() + ")"
                                : "no relay reads it: it keeps WAL until one does"));
        t.out().println("  confirmed  " + (s.getConfirmedFlushLsn() == null ? "-" : s.getConfirmedFlushLsn()));
        t.out().println("  lag        " + bytes(s.getLagBytes()) + " of WAL not yet published");
        t.out().println("  retained   " + bytes(s.getRetainedBytes()) + " of WAL kept for the slot");
        if ("lost".equals(s.getWalStatus())) {
            t.out()
                    .println("  WAL status lost: the slot can no longer be read and events written since its"
                            + " confirmed position are lost; see README \"WAL mode\"");
        } else if ("unreserved".equals(s.getWalStatus())) {
            t.out()
                    .println("  WAL status unreserved: the slot is about to lose WAL to max_slot_wal_keep_size;"
                            + " start a relay now");
        }
    }

    /** {@code 512 B}, {@code 3.4 MiB}. */
    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(java.util.Locale.ROOT, "%.1f %s", v, units[u]);
    }

    /** {@code 0-7,9,12-15}. */
    static String ranges(List<Integer> sorted) {
        StringBuilder sb = new StringBuilder();
        int i = 0;
        while (i < sorted.size()) {
            int start = sorted.get(i);
            int end = start;
            while (i + 1 < sorted.size() && sorted.get(i + 1) == end + 1) {
                end = sorted.get(++i);
            }
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(start == end ? Integer.toString(start) : start + "-" + end);
            i++;
        }
        return sb.toString();
    }

    private void json(
            JsonGenerator g,
            OutboxStatus s,
            Duration lag,
            Map<String, Owner> owners,
            List<XminBlocker> blockers,
            @Nullable WalSlot wal)
            throws IOException {
        g.writeStartObject();
        g.writeStringField("table", db.tables().qualifiedTable());
        g.writeNumberField("backlog", s.getBacklog());
        g.writeNumberField("retrying", s.getRetrying());
        g.writeNumberField("lagMillis", lag.toMillis());
        Json.field(g, "oldestCreatedAt", s.getOldestCreatedAt());
        g.writeNumberField("parked", s.getParked());
        g.writeNumberField("partitions", s.getPartitions());
        g.writeArrayFieldStart("owners");
        for (Owner o : owners.values()) {
            g.writeStartObject();
            if (o.first.getPid().isPresent()) {
                g.writeNumberField("pid", o.first.getPid().getAsInt());
            } else {
                g.writeNullField("pid");
            }
            Json.field(g, "applicationName", o.first.getApplicationName());
            Json.field(g, "clientAddress", o.first.getClientAddress());
            Json.field(g, "since", o.first.getSince());
            g.writeArrayFieldStart("partitions");
            for (int p : o.partitions) {
                g.writeNumber(p);
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeArrayFieldStart("xminBlockers");
        for (XminBlocker x : blockers) {
            g.writeStartObject();
            g.writeNumberField("pid", x.getPid());
            Json.field(g, "state", x.getState());
            Json.field(g, "applicationName", x.getApplicationName());
            Json.field(g, "since", x.getSince());
            g.writeNumberField("ageMillis", x.getAge().toMillis());
            g.writeEndObject();
        }
        g.writeEndArray();
        if (wal == null) {
            g.writeNullField("walSlot");
        } else {
            g.writeObjectFieldStart("walSlot");
            g.writeStringField("name", wal.getName());
            g.writeBooleanField("active", wal.isActive());
            if (wal.getActivePid().isPresent()) {
                g.writeNumberField("activePid", wal.getActivePid().getAsInt());
            } else {
                g.writeNullField("activePid");
            }
            Json.field(g, "confirmedFlushLsn", wal.getConfirmedFlushLsn());
            g.writeNumberField("retainedBytes", wal.getRetainedBytes());
            g.writeNumberField("lagBytes", wal.getLagBytes());
            Json.field(g, "walStatus", wal.getWalStatus());
            g.writeEndObject();
        }
        g.writeEndObject();
    }

    /** One owner's partitions. */
    private static final class Owner {
        final PartitionOwner first;
        final List<Integer> partitions = new ArrayList<>();

        Owner(PartitionOwner first) {
            this.first = first;
        }
    }
}
