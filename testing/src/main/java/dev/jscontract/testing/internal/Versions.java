package dev.jscontract.testing.internal;

/** Numeric comparison of dotted server versions such as {@code 2.10.27} or {@code 2.11.0-RC.1}. */
public final class Versions {
    private Versions() {}

    /**
     * Compares two versions component by component, numerically; a pre-release suffix ({@code -RC.1}, {@code -beta})
     * sorts before the release it precedes.
     */
    public static int compare(String a, String b) {
        String[] pa = core(a).split("\\.");
        String[] pb = core(b).split("\\.");
        for (int i = 0; i < Math.max(pa.length, pb.length); i++) {
            int x = i < pa.length ? parse(pa[i]) : 0;
            int y = i < pb.length ? parse(pb[i]) : 0;
            if (x != y) {
                return Integer.compare(x, y);
            }
        }
        boolean preA = a.contains("-");
        boolean preB = b.contains("-");
        return preA == preB ? 0 : preA ? -1 : 1;
    }

    private static String core(String v) {
        String s = v.startsWith("v") ? v.substring(1) : v;
        int dash = s.indexOf('-');
        return dash < 0 ? s : s.substring(0, dash);
    }

    private static int parse(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a version component: '" + s + "'", e);
        }
    }
}
