package dev.jscontract.cli.internal.dlq;

import dev.jscontract.contract.DeadLetterEnvelope;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.jspecify.annotations.Nullable;

/**
 * How dead letters are grouped (ServicePulse's default): the consumer (source stream and durable) x the reason x the
 * error class and the first frame of its stack ({@code Type.method}, no line number, so a redeploy that moves code
 * keeps the group); the class alone when there is no stack, {@code -} when there was no exception.
 *
 * <p>The group id is the first 8 hex digits of the SHA-256 of these fields joined by NUL: the same on every run and
 * machine, so {@code list --group}, {@code replay --group} and {@code purge --group} accept an id printed by an
 * earlier {@code stats} (docs/decisions/cli-group-ids.md).
 *
 * @param originalStream the source stream
 * @param consumer the durable
 * @param reason the reason's wire value
 * @param errorClass the exception class, or {@code -}
 * @param frame the first stack frame {@code Type.method}, or {@code null}
 */
public record GroupKey(
        String originalStream, String consumer, String reason, String errorClass, @Nullable String frame) {

    /** The group of an envelope. */
    public static GroupKey of(DeadLetterEnvelope e) {
        return new GroupKey(
                e.getOriginalStream(),
                e.getConsumer(),
                e.getReason().wireValue(),
                e.getErrorClass().orElse("-"),
                e.getErrorStack().map(GroupKey::firstFrame).orElse(null));
    }

    /**
     * The first frame of a Java stack trace as {@code Type.method}: the first line starting with {@code at } after
     * the exception line, without the module prefix, file and line; null when there is none.
     */
    public static @Nullable String firstFrame(String stack) {
        int i = 0;
        int n = stack.length();
        while (i < n) {
            int end = stack.indexOf('\n', i);
            if (end < 0) {
                end = n;
            }
            String line = stack.substring(i, end).strip();
            if (line.startsWith("at ")) {
                String frame = line.substring(3);
                int paren = frame.indexOf('(');
                if (paren >= 0) {
                    frame = frame.substring(0, paren);
                }
                int slash = frame.lastIndexOf('/');
                if (slash >= 0) {
                    frame = frame.substring(slash + 1); // java.base/java.util.Foo.bar -> java.util.Foo.bar
                }
                return frame.isEmpty() ? null : frame;
            }
            i = end + 1;
        }
        return null;
    }

    /** The stable 8-hex-digit id. */
    public String id() {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            String joined = originalStream
                    + '\0'
                    + consumer
                    + '\0'
                    + reason
                    + '\0'
                    + errorClass
                    + '\0'
                    + (frame == null ? "" : frame);
            byte[] h = sha.digest(joined.getBytes(StandardCharsets.UTF_8));
            return String.format("%02x%02x%02x%02x", h[0], h[1], h[2], h[3]);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        }
    }

    /** {@code ORDERS/billing}. */
    public String consumerPath() {
        return originalStream + "/" + consumer;
    }

    /** The error: {@code Class at Type.method}, the class alone, or {@code -} (full names). */
    public String error() {
        return frame == null ? errorClass : errorClass + " at " + frame;
    }

    /**
     * The error for a table column, without package names ({@code PermanentFailure at Billing.charge}): tables are
     * cut to the terminal's width, and the package is the part a person reads least; {@code show} and JSON keep the
     * full names.
     */
    public String shortError() {
        String cls = simple(errorClass);
        if (frame == null) {
            return cls;
        }
        int method = frame.lastIndexOf('.');
        String type = method > 0 ? simple(frame.substring(0, method)) : frame;
        return cls + " at " + (method > 0 ? type + frame.substring(method) : frame);
    }

    /** A class name without its package. */
    public static String simple(String className) {
        int dot = className.lastIndexOf('.');
        return dot >= 0 && dot < className.length() - 1 ? className.substring(dot + 1) : className;
    }
}
