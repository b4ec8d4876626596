package dev.jscontract.benchmarks.outbox;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Optional;

/**
 * CPU time of the three parties of a run: this JVM, the nats-server process, and given PostgreSQL backends (from {@code
 * /proc/<pid>/stat}, Linux only). On a machine shared with other work, CPU per row is a steadier measure of cost than
 * rows per second.
 */
final class CpuMeter {
    private static final double TICK_NANOS = 1e9 / 100; // USER_HZ is 100 on Linux

    private final long natsPid;

    private CpuMeter(long natsPid) {
        this.natsPid = natsPid;
    }

    /** Finds the nats-server the harness started on this port (its work directory is named after the port). */
    static CpuMeter forNatsServer(int port) {
        Optional<ProcessHandle> p = ProcessHandle.allProcesses()
                .filter(h ->
                        h.info().command().map(c -> c.endsWith("nats-server")).orElse(false))
                .filter(h -> h.info()
                        .arguments()
                        .map(a -> String.join(" ", a).contains("jsc-nats-" + port + "-"))
                        .orElse(false))
                .findFirst();
        return new CpuMeter(p.map(ProcessHandle::pid).orElse(-1L));
    }

    /** This JVM's CPU time in nanoseconds. */
    long jvmNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** The nats-server's CPU time in nanoseconds (0 if it was not found or /proc is not there). */
    long natsNanos() {
        return natsPid < 0 ? 0 : processNanos(natsPid);
    }

    /** The summed CPU time of the given processes in nanoseconds. */
    static long processNanos(Collection<Long> pids) {
        long sum = 0;
        for (long pid : pids) {
            sum += processNanos(pid);
        }
        return sum;
    }

    static long processNanos(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // fields 14 and 15 of stat (utime, stime); f[0] is field 3
            return (long) ((Long.parseLong(f[11]) + Long.parseLong(f[12])) * TICK_NANOS);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
