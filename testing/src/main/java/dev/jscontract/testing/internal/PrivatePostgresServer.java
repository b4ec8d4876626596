package dev.jscontract.testing.internal;

import dev.jscontract.testing.PrivatePostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A PostgreSQL cluster of its own ({@code initdb} + {@code pg_ctl}), see {@link PrivatePostgres}.
 *
 * <p>Durability settings are relaxed ({@code fsync=off}, {@code full_page_writes=off}) because the tests kill the
 * server process, not the machine: a SIGKILLed postmaster still leaves committed data in the OS page cache, and
 * crash recovery replays the WAL as in production.
 */
public final class PrivatePostgresServer implements PrivatePostgres {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final Environment env;
    private final Path binDir;
    private final Path baseDir;
    private final Path dataDir;
    private final Path log;
    private final int port;
    private final List<String> asUser;
    private final PGSimpleDataSource dataSource;

    private PrivatePostgresServer(Environment env, Path binDir, Path baseDir, int port, List<String> asUser) {
        this.env = env;
        this.binDir = binDir;
        this.baseDir = baseDir;
        this.dataDir = baseDir.resolve("data");
        this.log = baseDir.resolve("postgres.log");
        this.port = port;
        this.asUser = asUser;
        this.dataSource = new PGSimpleDataSource();
        this.dataSource.setURL(jdbcUrl());
    }

    /** Creates the cluster with {@code initdb}, starts it and creates database {@code jsc}. */
    public static PrivatePostgresServer start(Environment env) {
        Path bin = findBinDir(env);
        List<String> asUser = new ArrayList<>();
        Path base;
        try {
            base = Files.createTempDirectory("jsc-pg-");
            if ("root".equals(System.getProperty("user.name"))) {
                String osUser = env.get("JSC_PG_OS_USER");
                osUser = osUser != null ? osUser : "postgres";
                UserPrincipal owner;
                try {
                    owner = base.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(osUser);
                } catch (IOException e) {
                    throw env.unavailable("PostgreSQL refuses to run as root and OS user '" + osUser + "' does not"
                            + " exist; create it (useradd " + osUser + ") or set JSC_PG_OS_USER to a non-root user");
                }
                Files.setOwner(base, owner);
                asUser.addAll(List.of("runuser", "-u", osUser, "--"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a data directory for a private PostgreSQL", e);
        }
        PrivatePostgresServer pg = new PrivatePostgresServer(env, bin, base, Ports.free(), asUser);
        try {
            pg.initdb();
            pg.start();
            try (Connection c = DriverManager.getConnection(pg.url("postgres"));
                    Statement st = c.createStatement()) {
                st.execute("CREATE DATABASE jsc");
            }
            return pg;
        } catch (SQLException | RuntimeException e) {
            pg.close();
            throw new IllegalStateException("cannot set up a private PostgreSQL in " + base + ": " + e.getMessage(), e);
        }
    }

    /** Checks that the binaries (and, as root, a non-root OS user) exist; throws "unavailable" otherwise. */
    public static void probe(Environment env) {
        findBinDir(env);
        if ("root".equals(System.getProperty("user.name"))) {
            String osUser = env.get("JSC_PG_OS_USER");
            String user = osUser != null ? osUser : "postgres";
            try {
                java.nio.file.FileSystems.getDefault()
                        .getUserPrincipalLookupService()
                        .lookupPrincipalByName(user);
            } catch (IOException e) {
                throw env.unavailable("PostgreSQL refuses to run as root and OS user '" + user + "' does not"
                        + " exist; create it (useradd " + user + ") or set JSC_PG_OS_USER to a non-root user");
            }
        }
    }

    private static Path findBinDir(Environment env) {
        String explicit = env.get("JSC_PG_BIN");
        if (explicit != null) {
            Path dir = Path.of(explicit);
            if (!Files.isExecutable(dir.resolve("pg_ctl"))) {
                throw env.unavailable("JSC_PG_BIN=" + explicit + " has no executable pg_ctl; point it at PostgreSQL's"
                        + " bin directory (e.g. /usr/lib/postgresql/15/bin)");
            }
            return dir;
        }
        Optional<Path> onPath = env.onPath("pg_ctl").flatMap(p -> {
            try {
                Path real = p.toRealPath().getParent();
                return Files.isExecutable(real.resolve("initdb")) ? Optional.of(real) : Optional.empty();
            } catch (IOException e) {
                return Optional.empty();
            }
        });
        if (onPath.isPresent()) {
            return onPath.get();
        }
        Path debian = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(debian)) {
            try (Stream<Path> versions = Files.list(debian)) {
                Optional<Path> newest = versions.map(v -> v.resolve("bin"))
                        .filter(b -> Files.isExecutable(b.resolve("pg_ctl")) && Files.isExecutable(b.resolve("initdb")))
                        .max(Comparator.comparing(b -> Integer.parseInt(
                                b.getParent().getFileName().toString().replaceAll("\\D", "0"))));
                if (newest.isPresent()) {
                    return newest.get();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        throw env.unavailable("a private PostgreSQL needs the server binaries initdb and pg_ctl, found neither in"
                + " JSC_PG_BIN, PATH nor /usr/lib/postgresql/*/bin. Install them (Debian: apt-get install"
                + " postgresql) or set JSC_PG_BIN to their directory");
    }

    private void initdb() {
        run(
                Duration.ofMinutes(2),
                binDir.resolve("initdb").toString(),
                "-D",
                dataDir.toString(),
                "-U",
                "jsc",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync");
        String conf = "\n# jscontract private test server\n"
                + "port = " + port + "\n"
                + "listen_addresses = '127.0.0.1'\n"
                + "unix_socket_directories = ''\n"
                + "fsync = off\n"
                + "full_page_writes = off\n"
                + "max_connections = 200\n"
                // logical decoding for the outbox's WAL mode; the shared server runs with wal_level=replica
                + "wal_level = logical\n"
                + "max_replication_slots = 10\n"
                + "max_wal_senders = 10\n"
                + "wal_sender_timeout = 60s\n"
                + "shared_buffers = 64MB\n";
        try {
            Files.writeString(dataDir.resolve("postgresql.conf"), conf, java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot configure " + dataDir, e);
        }
    }

    private String url(String db) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + db + "?user=jsc&connectTimeout=5";
    }

    @Override
    public String jdbcUrl() {
        return url("jsc");
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public Path dataDir() {
        return dataDir;
    }

    @Override
    public DataSource dataSource() {
        return dataSource;
    }

    @Override
    public Connection connection() throws SQLException {
        return dataSource.getConnection();
    }

    @Override
    public synchronized boolean isRunning() {
        return postmaster().map(ProcessHandle::isAlive).orElse(false);
    }

    private Optional<ProcessHandle> postmaster() {
        Path pidFile = dataDir.resolve("postmaster.pid");
        try {
            if (!Files.exists(pidFile)) {
                return Optional.empty();
            }
            List<String> lines = Files.readAllLines(pidFile);
            return lines.isEmpty()
                    ? Optional.empty()
                    : ProcessHandle.of(Long.parseLong(lines.get(0).trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    @Override
    public synchronized void start() {
        if (isRunning()) {
            return;
        }
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true) {
            try {
                run(
                        START_TIMEOUT,
                        binDir.resolve("pg_ctl").toString(),
                        "-D",
                        dataDir.toString(),
                        "-l",
                        log.toString(),
                        "-w",
                        "-t",
                        String.valueOf(START_TIMEOUT.toSeconds()),
                        "start");
                postmaster().ifPresent(ProcessReaper::register);
                return;
            } catch (IllegalStateException e) {
                // After a SIGKILL, backends of the old postmaster may still hold the shared memory segment for a
                // moment ("pre-existing shared memory block is still in use"); try again until they are gone.
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                sleep(200);
            }
        }
    }

    @Override
    public synchronized void stop() {
        if (!isRunning()) {
            return;
        }
        Optional<ProcessHandle> pm = postmaster();
        run(
                Duration.ofMinutes(1),
                binDir.resolve("pg_ctl").toString(),
                "-D",
                dataDir.toString(),
                "-m",
                "fast",
                "-w",
                "stop");
        pm.ifPresent(ProcessReaper::unregister);
    }

    @Override
    public void restart() {
        stop();
        start();
    }

    @Override
    public synchronized void kill() {
        Optional<ProcessHandle> pm = postmaster();
        if (pm.isEmpty() || !pm.get().isAlive()) {
            return;
        }
        ProcessHandle p = pm.get();
        p.destroyForcibly();
        try {
            p.onExit().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("postmaster " + p.pid() + " did not die after SIGKILL: " + e, e);
        }
        ProcessReaper.unregister(p);
    }

    @Override
    public void close() {
        kill();
        // Orphaned backends exit on their own once the postmaster is gone; the directory can go now.
        Files2.deleteRecursively(baseDir);
    }

    private void run(Duration timeout, String... command) {
        List<String> cmd = new ArrayList<>(asUser);
        cmd.addAll(List.of(command));
        Path out = baseDir.resolve("command.out");
        try {
            ProcessBuilder pb =
                    new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
            pb.environment().put("LC_ALL", "C");
            Process p = pb.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", cmd) + " did not finish within " + timeout.toSeconds()
                        + " s: " + Files.readString(out) + logTail());
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + " failed (exit " + p.exitValue() + "): "
                        + Files.readString(out) + logTail());
            }
        } catch (IOException e) {
            throw env.unavailable("cannot run " + String.join(" ", cmd) + ": " + e.getMessage()
                    + " (when running as root, 'runuser' from util-linux must be installed)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + String.join(" ", cmd), e);
        }
    }

    private String logTail() {
        try {
            if (!Files.exists(log)) {
                return "";
            }
            List<String> lines = Files.readAllLines(log);
            return "\nserver log tail:\n"
                    + String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException e) {
            return "";
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public String toString() {
        return "private PostgreSQL on 127.0.0.1:" + port + " (" + dataDir + ")";
    }
}
