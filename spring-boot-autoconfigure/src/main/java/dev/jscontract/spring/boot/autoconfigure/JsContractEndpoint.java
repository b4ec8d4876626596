package dev.jscontract.spring.boot.autoconfigure;

import dev.jscontract.consumer.ConsumerHealth;
import dev.jscontract.consumer.ContractConsumer;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.contract.ContractLinter;
import dev.jscontract.contract.Finding;
import dev.jscontract.contract.LintOptions;
import dev.jscontract.contract.LintReport;
import dev.jscontract.contract.ServerVersion;
import dev.jscontract.spring.boot.ContractConsumers;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.StreamInfo;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/**
 * {@code /actuator/jscontract}: every consumer with its contract, state, and lint findings computed now, from the
 * contract (for the connected server's version) and from the consumer's configuration as the server has it. Expose it
 * with {@code management.endpoints.web.exposure.include=health,jscontract}.
 */
@Endpoint(id = "jscontract")
public class JsContractEndpoint {
    private final ContractConsumers consumers;
    private final Connection connection;

    /** The endpoint over the application's consumers. */
    public JsContractEndpoint(ContractConsumers consumers, Connection connection) {
        this.consumers = consumers;
        this.connection = connection;
    }

    /** The consumers, by contract name. */
    @ReadOperation
    public Map<String, Object> consumers() {
        Map<String, Object> result = new LinkedHashMap<>();
        ServerVersion version = connection.getServerInfo() == null
                ? null
                : ServerVersion.parse(connection.getServerInfo().getVersion());
        result.put("server", version == null ? "not connected" : version.toString());
        Map<String, Object> all = new LinkedHashMap<>();
        for (Map.Entry<String, ConsumerContract> e : consumers.getContracts().entrySet()) {
            all.put(e.getKey(), describe(e.getKey(), e.getValue(), version));
        }
        result.put("consumers", all);
        return result;
    }

    private Map<String, Object> describe(String name, ConsumerContract contract, ServerVersion version) {
        Map<String, Object> d = new LinkedHashMap<>();
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("stream", contract.getStream());
        c.put("durable", contract.getDurable());
        c.put("ackWait", contract.getAckWait().toString());
        c.put("maxDeliver", contract.getMaxDeliver());
        c.put("backoff", contract.getBackoff().toString());
        c.put("deadLetter", contract.getDeadLetterPolicy().toString());
        d.put("contract", c);
        ContractConsumer consumer = consumers.get(name).orElse(null);
        RuntimeException failure = consumers.getStartFailures().get(name);
        if (failure != null) {
            d.put("state", "failed");
            d.put("detail", "did not start: " + failure.getMessage());
        } else if (consumer != null) {
            ConsumerHealth h = consumer.getHealth();
            d.put("state", h.getState().tagValue());
            h.getProblem().ifPresent(p -> d.put("problem", p.tagValue()));
            h.getPauseCause().ifPresent(p -> d.put("pauseCause", p.tagValue()));
            if (!h.getDetail().isEmpty()) {
                d.put("detail", h.getDetail());
            }
            d.put("inFlight", consumer.getInFlight());
        } else {
            d.put("state", "not started");
        }
        if (version != null) {
            d.put("contractFindings", findings(ContractLinter.lint(contract, version)));
            d.put("serverFindings", live(contract, version));
        }
        return d;
    }

    private Object live(ConsumerContract contract, ServerVersion version) {
        try {
            JetStreamManagement jsm = connection.jetStreamManagement();
            ConsumerInfo ci = jsm.getConsumerInfo(contract.getStream(), contract.getDurable());
            StreamInfo si = jsm.getStreamInfo(contract.getStream());
            LintOptions.Builder options = LintOptions.builder();
            contract.getSuppressions().forEach(options::suppress);
            return findings(ContractLinter.lint(
                    ci.getConsumerConfiguration(), si.getConfiguration(), version, options.build()));
        } catch (JetStreamApiException e) {
            return List.of(Map.of(
                    "rule", "server",
                    "severity", "error",
                    "message",
                            "cannot read " + contract.getStream() + "/" + contract.getDurable() + " from the server: "
                                    + e.getMessage()));
        } catch (IOException e) {
            return List.of(Map.of("rule", "server", "severity", "error", "message", "server unavailable: " + e));
        }
    }

    private static List<Map<String, Object>> findings(LintReport report) {
        List<Map<String, Object>> list = new ArrayList<>();
        for (Finding f : report.getFindings()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("rule", f.getRuleId());
            m.put("severity", f.getSeverity().name().toLowerCase(java.util.Locale.ROOT));
            m.put("message", f.getMessage());
            m.put("fix", f.getFix());
            list.add(m);
        }
        return list;
    }
}
