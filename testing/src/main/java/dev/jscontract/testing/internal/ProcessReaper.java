package dev.jscontract.testing.internal;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Kills every server process the harness started when the JVM exits, so a crashed or interrupted test run leaves
 * no nats-server or postgres behind.
 */
public final class ProcessReaper {
    private static final Set<ProcessHandle> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> LIVE.forEach(p -> {
                            p.descendants().forEach(ProcessHandle::destroyForcibly);
                            p.destroyForcibly();
                        }),
                        "jscontract-process-reaper"));
    }

    private ProcessReaper() {}

    /** Registers a process to be killed at JVM exit. */
    public static void register(ProcessHandle process) {
        LIVE.add(process);
    }

    /** Forgets a process that has exited. */
    public static void unregister(ProcessHandle process) {
        LIVE.remove(process);
    }
}
