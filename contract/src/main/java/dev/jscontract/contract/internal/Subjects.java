package dev.jscontract.contract.internal;

/** Subject matching with NATS wildcards ({@code *} one token, {@code >} the rest). */
public final class Subjects {
    private Subjects() {}

    /** Whether some subject matches both patterns. */
    public static boolean overlap(String a, String b) {
        String[] x = a.split("\\.");
        String[] y = b.split("\\.");
        int n = Math.min(x.length, y.length);
        for (int i = 0; i < n; i++) {
            if (x[i].equals(">") || y[i].equals(">")) {
                return true;
            }
            if (!x[i].equals("*") && !y[i].equals("*") && !x[i].equals(y[i])) {
                return false;
            }
        }
        if (x.length == y.length) {
            return true;
        }
        // one is longer: only overlap if the shorter one's next token would be '>' (handled above)
        return false;
    }

    /** Whether {@code pattern} (wildcards allowed) matches every subject that {@code subject} matches. */
    public static boolean covers(String pattern, String subject) {
        String[] p = pattern.split("\\.");
        String[] s = subject.split("\\.");
        for (int i = 0; i < p.length; i++) {
            if (p[i].equals(">")) {
                return i < s.length;
            }
            if (i >= s.length) {
                return false;
            }
            if (p[i].equals("*")) {
                if (s[i].equals(">")) {
                    return false;
                }
                continue;
            }
            if (!p[i].equals(s[i])) {
                return false;
            }
        }
        return p.length == s.length;
    }
}
