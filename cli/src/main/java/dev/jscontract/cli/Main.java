package dev.jscontract.cli;

import java.time.Duration;

/**
 * The {@code jscontract} executable: runs {@link Cli} with the process's environment and terminal and exits with
 * its code. Ctrl-C asks the running command to stop and gives it up to 30 s to finish cleanly (a replay waits for its
 * PubAcks in flight and reports how far it got).
 */
public final class Main {
    private static final Duration STOP_GRACE = Duration.ofSeconds(30);

    private Main() {}

    /** Runs the command line. */
    public static void main(String[] args) {
        Environment env = Environment.system();
        if (java.util.Arrays.asList(args).contains("--trace")) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "debug");
        }
        StopSignal stop = new StopSignal();
        Thread hook = new Thread(
                () -> {
                    stop.request();
                    try {
                        stop.awaitFinished(STOP_GRACE);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "jscontract-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        int code = Cli.builder()
                .environment(env)
                .terminal(Terminal.system(env))
                .stopSignal(stop)
                .build()
                .run(args);
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            return; // Ctrl-C came: the JVM is exiting and does so once the stop hook returns
        }
        System.exit(code);
    }
}
