package dev.jscontract.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Runs the command line in-process, as a person or script would type it, and captures what it prints. The
 * environment is isolated: a temporary HOME and XDG_CONFIG_HOME (no context of the machine leaks in), plus the
 * variables given.
 */
final class CliRun {
    private final Map<String, String> env = new HashMap<>();
    private boolean interactive;
    private String input = "";
    private int width;
    private boolean colourTerminal;
    private StopSignal stop = new StopSignal();

    private CliRun(Path home) {
        env.put("HOME", home.toString());
        env.put("XDG_CONFIG_HOME", home.resolve(".config").toString());
    }

    /** A runner with a fresh temporary home. */
    static CliRun isolated() {
        try {
            return new CliRun(Files.createTempDirectory("jsc-cli-home-"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A runner connecting to {@code url} through NATS_URL. */
    static CliRun at(String url) {
        return isolated().env("NATS_URL", url);
    }

    CliRun env(String name, String value) {
        env.put(name, value);
        return this;
    }

    /** A person at a terminal typing {@code input}. */
    CliRun interactive(String input) {
        this.interactive = true;
        this.input = input;
        return this;
    }

    /** A colour terminal: colour as {@link Terminal#system} decides it at a terminal, from this run's variables. */
    CliRun colourTerminal() {
        this.colourTerminal = true;
        return this;
    }

    CliRun width(int width) {
        this.width = width;
        return this;
    }

    CliRun stopSignal(StopSignal stop) {
        this.stop = stop;
        return this;
    }

    Path configHome() {
        return Path.of(env.get("XDG_CONFIG_HOME"));
    }

    Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Terminal t = Terminal.builder()
                .out(new PrintStream(out, true, StandardCharsets.UTF_8))
                .err(new PrintStream(err, true, StandardCharsets.UTF_8))
                .in(new StringReader(input))
                .interactive(interactive)
                .width(width)
                .colour(colourTerminal && Terminal.wantsColour(true, Environment.of(env)))
                .build();
        int code = Cli.builder()
                .environment(Environment.of(env))
                .terminal(t)
                .stopSignal(stop)
                .build()
                .run(args);
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), out);
    }

    /** What a run printed and returned. */
    record Result(int code, String out, String err, ByteArrayOutputStream outBytes) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- out\n" + out + "--- err\n" + err;
        }
    }
}
