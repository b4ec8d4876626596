package dev.jscontract.testing.internal;

import dev.jscontract.testing.NatsCluster;
import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.NatsServerBinary;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.ClusterInfo;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/** Three {@link NatsProcess}es with routes to each other on loopback and JetStream clustering. */
public final class NatsClusterImpl implements NatsCluster {
    private static final int SIZE = 3;
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    private final List<NatsServer> nodes;

    private NatsClusterImpl(List<NatsServer> nodes) {
        this.nodes = List.copyOf(nodes);
    }

    /** Starts a 3-node cluster of the given binary and waits until JetStream has a meta leader. */
    public static NatsClusterImpl start(NatsServerBinary binary) {
        String clusterName = "jsc-" + UUID.randomUUID().toString().substring(0, 8);
        int[] clientPorts = new int[SIZE];
        int[] routePorts = new int[SIZE];
        for (int i = 0; i < SIZE; i++) {
            clientPorts[i] = Ports.free();
            routePorts[i] = Ports.free();
        }
        List<NatsServer> nodes = new ArrayList<>();
        try {
            for (int i = 0; i < SIZE; i++) {
                List<String> cluster = new ArrayList<>();
                cluster.add("cluster {");
                cluster.add("  name: \"" + clusterName + "\"");
                cluster.add("  listen: \"127.0.0.1:" + routePorts[i] + "\"");
                List<String> routes = new ArrayList<>();
                for (int j = 0; j < SIZE; j++) {
                    if (j != i) {
                        routes.add("\"nats-route://127.0.0.1:" + routePorts[j] + "\"");
                    }
                }
                cluster.add("  routes: [" + String.join(", ", routes) + "]");
                cluster.add("}");
                String name = clusterName + "-n" + (i + 1);
                NatsProcess p = NatsProcess.create(
                        binary, clientPorts[i], name, (port, n, store) -> NatsProcess.config(port, n, store, cluster));
                nodes.add(p);
            }
            // Start all before waiting for readiness: JetStream clustering needs a quorum to elect a meta leader.
            for (NatsServer n : nodes) {
                n.start();
            }
            NatsClusterImpl c = new NatsClusterImpl(nodes);
            c.awaitReady(READY_TIMEOUT);
            return c;
        } catch (RuntimeException e) {
            nodes.forEach(NatsServer::close);
            throw e;
        }
    }

    @Override
    public List<NatsServer> nodes() {
        return nodes;
    }

    @Override
    public NatsServer node(int index) {
        return nodes.get(index);
    }

    @Override
    public String urls() {
        return nodes.stream().map(NatsServer::url).collect(Collectors.joining(","));
    }

    @Override
    public String version() {
        return nodes.get(0).version();
    }

    @Override
    public Connection connect() throws IOException, InterruptedException {
        return Nats.connect(options().build());
    }

    @Override
    public Options.Builder options() {
        return ClientDefaults.options(nodes.stream().map(NatsServer::url).toArray(String[]::new));
    }

    @Override
    public NatsServer streamLeader(String stream) {
        String leader = leaderName(stream);
        if (leader == null) {
            throw new IllegalStateException("stream " + stream + " has no leader right now");
        }
        return byName(leader);
    }

    @Override
    public NatsServer awaitNewStreamLeader(String stream, NatsServer previous, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = null;
        while (System.nanoTime() < deadline) {
            try {
                last = leaderName(stream);
                if (last != null && !last.equals(previous.name())) {
                    return byName(last);
                }
            } catch (IllegalStateException e) {
                last = e.getMessage();
            }
            sleep(100);
        }
        throw new IllegalStateException("stream " + stream + " did not elect a leader other than " + previous.name()
                + " within " + timeout.toSeconds() + " s (last seen: " + last + ")");
    }

    private @Nullable String leaderName(String stream) {
        for (NatsServer n : nodes) {
            if (!n.isRunning()) {
                continue;
            }
            try (Connection nc = Nats.connect(
                    ClientDefaults.options(n.url()).maxReconnects(0).build())) {
                ClusterInfo ci = nc.jetStreamManagement().getStreamInfo(stream).getClusterInfo();
                return ci == null ? null : ci.getLeader();
            } catch (JetStreamApiException e) {
                // 10008 "JetStream system temporarily unavailable" while a leader is being elected: try another node.
                if (e.getApiErrorCode() == 10059) {
                    throw new IllegalStateException("stream " + stream + " does not exist", e);
                }
            } catch (IOException e) {
                // this node does not answer (yet); ask the next one
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
        return null;
    }

    private NatsServer byName(String name) {
        return nodes.stream()
                .filter(n -> n.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("leader " + name + " is not a node of this cluster"));
    }

    @Override
    public void awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String problem = "no node running";
        for (NatsServer n : nodes) {
            if (!n.isRunning()) {
                continue;
            }
            while (true) {
                try (Connection nc = Nats.connect(
                        ClientDefaults.options(n.url()).maxReconnects(0).build())) {
                    nc.jetStreamManagement().getAccountStatistics();
                    break;
                } catch (IOException | JetStreamApiException e) {
                    problem = n.name() + ": " + e.getMessage();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "cluster JetStream not ready within " + timeout.toSeconds() + " s: " + problem);
                }
                sleep(100);
            }
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
    public void close() {
        nodes.forEach(NatsServer::close);
    }

    @Override
    public String toString() {
        return "3-node nats-server " + version() + " cluster " + urls();
    }
}
