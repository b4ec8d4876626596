package dev.jscontract.cli.internal.dlq;

import dev.jscontract.contract.DeadLetterEnvelope;
import dev.jscontract.contract.DeadLetterReason;
import dev.jscontract.contract.internal.Subjects;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Which dead letters a command works on; every given condition must hold. Empty sets and nulls mean "any".
 *
 * @param originalStream the source stream ({@code --stream}), or null
 * @param consumers the durables ({@code --consumer}), any of them
 * @param reasons the reasons ({@code --reason}), any of them
 * @param errorClass a substring of the error class ({@code --error-class}), or null
 * @param subject a subject pattern with wildcards the original subject must match ({@code --subject}), or null
 * @param since dead-lettered at or after ({@code --since}), or null
 * @param until dead-lettered before ({@code --until}), or null
 * @param contains a substring of the error message, case-insensitive ({@code --contains}), or null
 * @param group a group id ({@code --group}), or null
 * @param sequences only these dead-letter stream sequences ({@code SEQ...}), or empty for any
 */
public record DeadLetterFilter(
        @Nullable String originalStream,
        Set<String> consumers,
        Set<DeadLetterReason> reasons,
        @Nullable String errorClass,
        @Nullable String subject,
        @Nullable Instant since,
        @Nullable Instant until,
        @Nullable String contains,
        @Nullable String group,
        Set<Long> sequences) {

    /** Copies the sets. */
    public DeadLetterFilter {
        consumers = Set.copyOf(consumers);
        reasons = Set.copyOf(reasons);
        sequences = Set.copyOf(sequences);
        contains = contains == null ? null : contains.toLowerCase(Locale.ROOT);
    }

    /** Matches every dead letter. */
    public static DeadLetterFilter all() {
        return new DeadLetterFilter(null, Set.of(), Set.of(), null, null, null, null, null, null, Set.of());
    }

    /** This filter restricted to some sequences. */
    public DeadLetterFilter withSequences(Set<Long> seqs) {
        return new DeadLetterFilter(
                originalStream, consumers, reasons, errorClass, subject, since, until, contains, group, seqs);
    }

    /** This filter without the source-stream condition (which the stream selection already expresses). */
    public DeadLetterFilter withoutStream() {
        return new DeadLetterFilter(
                null, consumers, reasons, errorClass, subject, since, until, contains, group, sequences);
    }

    /** Whether nothing is filtered (every dead letter matches). */
    public boolean isEmpty() {
        return originalStream == null
                && consumers.isEmpty()
                && reasons.isEmpty()
                && errorClass == null
                && subject == null
                && since == null
                && until == null
                && contains == null
                && group == null
                && sequences.isEmpty();
    }

    /** Whether a sequence can match at all (checked before the message is parsed). */
    public boolean acceptsSequence(long sequence) {
        return sequences.isEmpty() || sequences.contains(sequence);
    }

    /** Whether the dead letter matches. */
    public boolean matches(DeadLetter d) {
        if (!acceptsSequence(d.sequence())) {
            return false;
        }
        DeadLetterEnvelope e = d.envelope();
        if (originalStream != null && !originalStream.equals(e.getOriginalStream())) {
            return false;
        }
        if (!consumers.isEmpty() && !consumers.contains(e.getConsumer())) {
            return false;
        }
        if (!reasons.isEmpty() && !reasons.contains(e.getReason())) {
            return false;
        }
        if (errorClass != null && !e.getErrorClass().orElse("").contains(errorClass)) {
            return false;
        }
        if (subject != null && !Subjects.covers(subject, e.getOriginalSubject())) {
            return false;
        }
        if (since != null && e.getDeadLetteredAt().isBefore(since)) {
            return false;
        }
        if (until != null && !e.getDeadLetteredAt().isBefore(until)) {
            return false;
        }
        if (contains != null
                && !e.getErrorMessage().orElse("").toLowerCase(Locale.ROOT).contains(contains)) {
            return false;
        }
        return group == null || group.equals(d.group().id());
    }

    /** The conditions as flags, for messages ({@code --consumer billing --reason poison}). */
    public String describe() {
        List<String> parts = new ArrayList<>();
        if (originalStream != null) {
            parts.add("--stream " + originalStream);
        }
        consumers.stream().sorted().forEach(c -> parts.add("--consumer " + c));
        reasons.stream().map(DeadLetterReason::wireValue).sorted().forEach(r -> parts.add("--reason " + r));
        if (errorClass != null) {
            parts.add("--error-class " + errorClass);
        }
        if (subject != null) {
            parts.add("--subject " + subject);
        }
        if (since != null) {
            parts.add("--since " + since);
        }
        if (until != null) {
            parts.add("--until " + until);
        }
        if (contains != null) {
            parts.add("--contains " + contains);
        }
        if (group != null) {
            parts.add("--group " + group);
        }
        if (!sequences.isEmpty()) {
            parts.add(sequences.size() + " sequence(s)");
        }
        return parts.isEmpty() ? "no filter" : String.join(" ", parts);
    }
}
