package dev.jscontract.contract;

import java.util.List;
import java.util.Objects;

/**
 * The differences between a contract and a consumer's configuration as the server reports it (UPD-001, UPD-002):
 * each field whose effective value differs, with both values, whether an update can fix it, and the fix.
 * Server-owned values are not drift: metadata keys starting with {@code _nats.} (2.15.1 adds them to every
 * consumer) and options the contract does not declare.
 */
public final class Drift {
    private static final Drift NONE = new Drift(List.of());

    private final List<Difference> differences;

    Drift(List<Difference> differences) {
        this.differences = List.copyOf(differences);
    }

    /** No differences. */
    public static Drift none() {
        return NONE;
    }

    /** The differences, in field order. */
    public List<Difference> getDifferences() {
        return differences;
    }

    /** Whether there is no difference. */
    public boolean isEmpty() {
        return differences.isEmpty();
    }

    /** The difference for one field (the server's JSON name, e.g. {@code ack_wait}), if any. */
    public java.util.Optional<Difference> get(String field) {
        return differences.stream().filter(d -> d.getField().equals(field)).findFirst();
    }

    /** Whether any difference needs the consumer to be deleted and recreated. */
    public boolean hasImmutableChanges() {
        return differences.stream().anyMatch(d -> d.getKind() == Kind.IMMUTABLE);
    }

    /** One line per difference. */
    public String toText() {
        if (differences.isEmpty()) {
            return "no drift";
        }
        StringBuilder sb = new StringBuilder();
        for (Difference d : differences) {
            sb.append("  ").append(d).append('\n');
        }
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Drift d && d.differences.equals(differences);
    }

    @Override
    public int hashCode() {
        return differences.hashCode();
    }

    @Override
    public String toString() {
        return toText();
    }

    /** What kind of difference, which decides the fix. */
    public enum Kind {
        /** An update of the consumer fixes it. */
        MUTABLE,
        /** The server refuses to update this field (500/10012, B-18): delete and recreate the consumer. */
        IMMUTABLE,
        /**
         * The server applied a different value than requested (BackOff replacing AckWait, a field dropped by an
         * older server): an update cannot fix it; change the contract or the server.
         */
        EFFECTIVE
    }

    /** One field that differs. */
    public static final class Difference {
        private final String field;
        private final String expected;
        private final String actual;
        private final Kind kind;
        private final String fix;

        Difference(String field, String expected, String actual, Kind kind, String fix) {
            this.field = field;
            this.expected = expected;
            this.actual = actual;
            this.kind = kind;
            this.fix = fix;
        }

        /** The server's name of the field, e.g. {@code ack_wait}. */
        public String getField() {
            return field;
        }

        /** The contract's value. */
        public String getExpected() {
            return expected;
        }

        /** The server's effective value. */
        public String getActual() {
            return actual;
        }

        /** Whether an update fixes it. */
        public Kind getKind() {
            return kind;
        }

        /** What to do. */
        public String getFix() {
            return fix;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Difference d
                    && d.field.equals(field)
                    && d.expected.equals(expected)
                    && d.actual.equals(actual)
                    && d.kind == kind
                    && d.fix.equals(fix);
        }

        @Override
        public int hashCode() {
            return Objects.hash(field, expected, actual, kind, fix);
        }

        /** {@code ack_wait: contract 30s, server 5s (effective) | fix: ...}. */
        @Override
        public String toString() {
            return field + ": contract " + expected + ", server " + actual + " ("
                    + kind.name().toLowerCase(java.util.Locale.ROOT) + ") | fix: " + fix;
        }
    }
}
