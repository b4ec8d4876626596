package dev.jscontract.cli.internal.dlq;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.jscontract.cli.internal.text.Json;
import dev.jscontract.cli.internal.text.Table;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Counts dead letters by {@link GroupKey}, with first and last seen: memory grows with the number of groups, not of
 * messages. Not thread-safe.
 */
public final class GroupStats {
    private final Map<GroupKey, Group> groups = new HashMap<>();
    private final Map<String, Long> perStream = new LinkedHashMap<>();
    private long total;
    private long malformed;

    /** One group's numbers. */
    public static final class Group {
        private final GroupKey key;
        private final String id;
        private long count;
        private Instant first = Instant.MAX;
        private Instant last = Instant.MIN;
        private final TreeSet<String> dlqStreams = new TreeSet<>();

        Group(GroupKey key) {
            this.key = key;
            this.id = key.id();
        }

        /** The key. */
        public GroupKey key() {
            return key;
        }

        /** The stable id. */
        public String id() {
            return id;
        }

        /** How many dead letters. */
        public long count() {
            return count;
        }

        /** The earliest dead-lettered time. */
        public Instant first() {
            return first;
        }

        /** The latest dead-lettered time. */
        public Instant last() {
            return last;
        }
    }

    /** Declares a stream that was read (so an empty one is reported with 0). */
    public void stream(String dlqStream) {
        perStream.putIfAbsent(dlqStream, 0L);
    }

    /** Counts a dead letter. */
    public void add(DeadLetter d) {
        GroupKey key = d.group();
        Group g = groups.computeIfAbsent(key, Group::new);
        g.count++;
        Instant at = d.envelope().getDeadLetteredAt();
        if (at.isBefore(g.first)) {
            g.first = at;
        }
        if (at.isAfter(g.last)) {
            g.last = at;
        }
        g.dlqStreams.add(d.dlqStream());
        perStream.merge(d.dlqStream(), 1L, Long::sum);
        total++;
    }

    /** Counts messages that are not readable envelopes. */
    public void malformed(long count) {
        malformed += count;
    }

    /** The groups, largest first (ties by id, so the order is stable). */
    public List<Group> groups() {
        List<Group> list = new ArrayList<>(groups.values());
        list.sort(Comparator.comparingLong((Group g) -> -g.count).thenComparing(Group::id));
        return list;
    }

    /** All dead letters counted. */
    public long total() {
        return total;
    }

    /** Messages that were not readable envelopes. */
    public long malformedCount() {
        return malformed;
    }

    /** Dead letters per dead-letter stream. */
    public Map<String, Long> perStream() {
        return perStream;
    }

    /** The {@code stats} table. */
    public Table table() {
        Table t = new Table("GROUP", "CONSUMER", "REASON", "ERROR", "COUNT", "FIRST SEEN", "LAST SEEN")
                .flexible("ERROR")
                .right("COUNT");
        for (Group g : groups()) {
            t.row(
                    g.id,
                    g.key.consumerPath(),
                    g.key.reason(),
                    g.key.shortError(),
                    Long.toString(g.count),
                    DlqRender.time(g.first),
                    DlqRender.time(g.last));
        }
        return t;
    }

    /** The {@code stats --json} document. */
    public void json(JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeNumberField("total", total);
        g.writeNumberField("malformed", malformed);
        g.writeObjectFieldStart("streams");
        for (Map.Entry<String, Long> e : perStream.entrySet()) {
            g.writeNumberField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
        g.writeArrayFieldStart("groups");
        for (Group x : groups()) {
            g.writeStartObject();
            g.writeStringField("id", x.id);
            g.writeStringField("originalStream", x.key.originalStream());
            g.writeStringField("consumer", x.key.consumer());
            g.writeStringField("reason", x.key.reason());
            g.writeStringField("errorClass", x.key.errorClass());
            Json.field(g, "frame", x.key.frame());
            g.writeNumberField("count", x.count);
            Json.field(g, "firstSeen", x.first);
            Json.field(g, "lastSeen", x.last);
            g.writeArrayFieldStart("dlqStreams");
            for (String s : x.dlqStreams) {
                g.writeString(s);
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
    }
}
