package dev.jscontract.cli.internal.text;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An aligned text table for people: a header row, columns padded to their widest cell, two spaces between columns,
 * no trailing blanks. With a width (the terminal's), the columns marked flexible are cut, widest first, until the
 * table fits; a cut cell ends with {@code ...}. Without a width nothing is cut, so piped output keeps every character.
 *
 * <pre>{@code
 * Table t = new Table("SEQ", "REASON", "ERROR").flexible("ERROR");
 * t.row("42", "poison", "DecodingException: ...");
 * t.print(out, terminal.width());
 * }</pre>
 */
public final class Table {
    private static final String CUT = "...";
    private static final int MIN_FLEX = 12;

    private final String[] header;
    private final boolean[] flexible;
    private final boolean[] rightAligned;
    private final List<String[]> rows = new ArrayList<>();

    /** A table with these column headers. */
    public Table(String... header) {
        this.header = header.clone();
        this.flexible = new boolean[header.length];
        this.rightAligned = new boolean[header.length];
    }

    /** Marks columns that may be cut to fit the width. */
    public Table flexible(String... columns) {
        for (String c : columns) {
            flexible[index(c)] = true;
        }
        return this;
    }

    /** Marks columns whose cells are right-aligned (numbers). */
    public Table right(String... columns) {
        for (String c : columns) {
            rightAligned[index(c)] = true;
        }
        return this;
    }

    private int index(String column) {
        for (int i = 0; i < header.length; i++) {
            if (header[i].equals(column)) {
                return i;
            }
        }
        throw new IllegalArgumentException("no column " + column + " in " + String.join(", ", header));
    }

    /**
     * Adds a row; null cells print as {@code -}.
     *
     * @throws IllegalArgumentException when the row has another number of cells than the header
     */
    public Table row(String... cells) {
        if (cells.length != header.length) {
            throw new IllegalArgumentException(
                    "row has " + cells.length + " cells but the table has " + header.length + " columns");
        }
        String[] r = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
            r[i] = cells[i] == null ? "-" : oneLine(cells[i]);
        }
        rows.add(r);
        return this;
    }

    /** Whether no row was added. */
    public boolean isEmpty() {
        return rows.isEmpty();
    }

    /** The number of rows. */
    public int size() {
        return rows.size();
    }

    /** Prints the table, fitted to {@code width} (0: no limit). */
    public void print(PrintStream out, int width) {
        Objects.requireNonNull(out, "out");
        int[] w = widths(width);
        out.print(line(header, w));
        for (String[] r : rows) {
            out.print(line(r, w));
        }
    }

    /** The table as text, fitted to {@code width} (0: no limit). */
    public String render(int width) {
        int[] w = widths(width);
        StringBuilder sb = new StringBuilder(line(header, w));
        for (String[] r : rows) {
            sb.append(line(r, w));
        }
        return sb.toString();
    }

    private int[] widths(int width) {
        int[] w = new int[header.length];
        for (int i = 0; i < header.length; i++) {
            w[i] = header[i].length();
            for (String[] r : rows) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        if (width > 0) {
            int total = total(w);
            while (total > width) {
                int widest = -1;
                for (int i = 0; i < w.length; i++) {
                    if (flexible[i]
                            && w[i] > Math.max(MIN_FLEX, header[i].length())
                            && (widest < 0 || w[i] > w[widest])) {
                        widest = i;
                    }
                }
                if (widest < 0) {
                    break; // nothing more to cut; the terminal wraps
                }
                int floor = Math.max(MIN_FLEX, header[widest].length());
                w[widest] = Math.max(floor, w[widest] - (total - width));
                total = total(w);
            }
        }
        return w;
    }

    private static int total(int[] w) {
        int t = 2 * (w.length - 1);
        for (int x : w) {
            t += x;
        }
        return t;
    }

    private String line(String[] cells, int[] w) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            String c = cells[i];
            if (c.length() > w[i]) {
                c = c.substring(0, Math.max(0, w[i] - CUT.length())) + CUT;
            }
            if (i > 0) {
                sb.append("  ");
            }
            if (rightAligned[i]) {
                sb.append(" ".repeat(w[i] - c.length())).append(c);
            } else {
                sb.append(c);
                if (i < cells.length - 1) {
                    sb.append(" ".repeat(w[i] - c.length()));
                }
            }
        }
        return sb.toString().stripTrailing() + "\n";
    }

    /** Replaces line breaks and tabs with spaces: a cell is one line. */
    static String oneLine(String s) {
        if (s.indexOf('\n') < 0 && s.indexOf('\r') < 0 && s.indexOf('\t') < 0) {
            return s;
        }
        return s.replace("\r\n", " ").replace('\n', ' ').replace('\r', ' ').replace('\t', ' ');
    }

    @Override
    public String toString() {
        return "Table{" + String.join(", ", header) + "; " + rows.size() + " rows}";
    }
}
