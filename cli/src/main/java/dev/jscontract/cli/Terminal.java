package dev.jscontract.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.Reader;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Where a command writes and what it may assume about the person (if any) at the other end: the output and error
 * streams, the input a confirmation is read from, whether this is an interactive terminal (then confirmations are
 * asked and a progress bar is drawn on the error stream), the width tables are truncated to ({@code 0}: no
 * truncation), and whether colour is used.
 *
 * <p>{@link #system(Environment)} decides as the {@code nats} CLI does: interactive when {@link System#console()}
 * exists (standard input and output are both terminals); the width from {@code COLUMNS} (the launcher script sets it
 * from the terminal), else no truncation; colour only when interactive and neither {@code NO_COLOR} is set nor
 * {@code TERM=dumb}. Tests build one with {@link #builder()}.
 *
 * <p>Immutable settings plus the process's standard streams: used by one command, on the command's thread.
 */
public final class Terminal {
    private final PrintStream out;
    private final PrintStream err;
    private final BufferedReader in;
    private final boolean interactive;
    private final int width;
    private final boolean colour;

    private Terminal(Builder b) {
        this.out = Objects.requireNonNull(b.out, "out");
        this.err = Objects.requireNonNull(b.err, "err");
        this.in = new BufferedReader(b.in);
        this.interactive = b.interactive;
        this.width = b.width;
        this.colour = b.colour;
    }

    /** The process's terminal, decided from the environment (see the class comment). */
    public static Terminal system(Environment env) {
        boolean interactive = System.console() != null;
        int width = 0;
        String columns = env.getOrNull("COLUMNS");
        if (columns != null && interactive) {
            try {
                width = Math.max(0, Integer.parseInt(columns.trim()));
            } catch (NumberFormatException e) {
                width = 0; // a COLUMNS we cannot read means: do not truncate
            }
        }
        return builder()
                .out(new PrintStream(System.out, false, StandardCharsets.UTF_8))
                .err(new PrintStream(System.err, true, StandardCharsets.UTF_8))
                .in(new InputStreamReader(System.in, StandardCharsets.UTF_8))
                .interactive(interactive)
                .width(width)
                .colour(wantsColour(interactive, env))
                .build();
    }

    /**
     * Whether to colour: only at a terminal, and neither {@code NO_COLOR} (set and not empty, as no-color.org says)
     * nor {@code TERM=dumb}.
     */
    static boolean wantsColour(boolean interactive, Environment env) {
        return interactive && env.get("NO_COLOR").isEmpty() && !"dumb".equals(env.getOrNull("TERM"));
    }

    /** A builder; defaults: no input, not interactive, no truncation, no colour. */
    public static Builder builder() {
        return new Builder();
    }

    /** Standard output: results. */
    public PrintStream out() {
        return out;
    }

    /** Standard error: messages, warnings, progress. */
    public PrintStream err() {
        return err;
    }

    /** Whether a person is at a terminal (confirmations are asked, progress is drawn). */
    public boolean isInteractive() {
        return interactive;
    }

    /** The width to truncate tables to; 0 means do not truncate. */
    public int width() {
        return width;
    }

    /** Whether to colour output. */
    public boolean colour() {
        return colour;
    }

    /** Wraps text in an ANSI colour when colour is on ({@code code}: 31 red, 33 yellow, 1 bold, 2 dim). */
    public String paint(String text, int code) {
        return colour ? "\u001b[" + code + "m" + text + "\u001b[0m" : text;
    }

    /**
     * Asks a yes/no question on the error stream and reads the answer; anything but {@code y} or {@code yes} is no
     * (the default), as in the {@code nats} CLI.
     */
    public boolean confirm(String question) {
        err.print(question + " [y/N] ");
        err.flush();
        String answer;
        try {
            answer = in.readLine();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the answer from standard input", e);
        }
        if (answer == null) {
            err.println();
            return false;
        }
        String a = answer.trim().toLowerCase(Locale.ROOT);
        return a.equals("y") || a.equals("yes");
    }

    @Override
    public String toString() {
        return "Terminal{interactive=" + interactive + ", width=" + width + ", colour=" + colour + "}";
    }

    /** Builds a {@link Terminal}. */
    public static final class Builder {
        private @Nullable PrintStream out;
        private @Nullable PrintStream err;
        private Reader in = new StringReader("");
        private boolean interactive;
        private int width;
        private boolean colour;

        private Builder() {}

        /** The output stream. */
        public Builder out(PrintStream out) {
            this.out = Objects.requireNonNull(out, "out");
            return this;
        }

        /** The error stream. */
        public Builder err(PrintStream err) {
            this.err = Objects.requireNonNull(err, "err");
            return this;
        }

        /** Where answers to confirmations are read from. */
        public Builder in(Reader in) {
            this.in = Objects.requireNonNull(in, "in");
            return this;
        }

        /** Whether a person is at a terminal. */
        public Builder interactive(boolean interactive) {
            this.interactive = interactive;
            return this;
        }

        /**
         * The width tables are truncated to; 0 for none.
         *
         * @throws IllegalArgumentException when negative
         */
        public Builder width(int width) {
            if (width < 0) {
                throw new IllegalArgumentException("width must be 0 (no truncation) or positive but was " + width);
            }
            this.width = width;
            return this;
        }

        /** Whether to use colour. */
        public Builder colour(boolean colour) {
            this.colour = colour;
            return this;
        }

        /**
         * Builds the terminal.
         *
         * @throws NullPointerException when out or err is missing
         */
        public Terminal build() {
            return new Terminal(this);
        }
    }
}
