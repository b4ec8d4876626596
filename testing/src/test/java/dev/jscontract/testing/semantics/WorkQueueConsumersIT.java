package dev.jscontract.testing.semantics;

import static dev.jscontract.testing.semantics.JsApi.createBody;
import static dev.jscontract.testing.semantics.JsApi.createConsumer;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.testing.NatsServer;
import dev.jscontract.testing.NatsServerMatrix;
import dev.jscontract.testing.WithNatsServer;
import io.nats.client.Connection;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * <b>B-25</b>: a WorkQueue stream allows only non-overlapping filtered consumers, and one unfiltered consumer excludes
 * all others (10099, 10100); it also requires deliver policy all (10101). Ground for DLQ-003 (a DLQ stream with
 * WorkQueue retention cannot be browsed by ad-hoc consumers).
 */
@NatsServerMatrix
@Execution(ExecutionMode.CONCURRENT)
@WithNatsServer
@DisplayName("B-25: WorkQueue stream consumer uniqueness (10099, 10100, 10101)")
class WorkQueueConsumersIT {
    private static final String FILTERED_NOT_UNIQUE = "filtered consumer not unique on workqueue stream";

    /**
     * With one unfiltered consumer, a second unfiltered one fails with 400/10099 "multiple non-filtered consumers
     * not allowed on workqueue stream", and a filtered one with 400/10100.
     */
    @Test
    @DisplayName("B-25: an unfiltered WorkQueue consumer excludes a second one (10099) and any filtered one (10100)")
    void unfilteredConsumerExcludesAllOthers(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            Fixtures.TestStream stream = Fixtures.workQueue(nc, "WQC");
            String s = stream.name();
            JsApi.requireSuccess(createConsumer(nc, s, "ALL", createBody(s, "ALL", "", "")));

            assertThat(JsApi.requireError(createConsumer(nc, s, "ALL2", createBody(s, "ALL2", "", ""))))
                    .isEqualTo(new JsApi.ApiError(
                            400, 10099, "multiple non-filtered consumers not allowed on workqueue stream"));
            String filtered = "\"filter_subject\":\"" + stream.subject("a") + "\"";
            assertThat(JsApi.requireError(createConsumer(nc, s, "FA", createBody(s, "FA", filtered, ""))))
                    .isEqualTo(new JsApi.ApiError(400, 10100, FILTERED_NOT_UNIQUE));
        }
    }

    /**
     * Filtered consumers: {@code <s>.a} and {@code <s>.b} coexist; a second {@code <s>.a} and an overlapping
     * {@code <s>.*} fail with 400/10100; a consumer with deliver policy {@code last} fails with 400/10101 "consumer
     * must be deliver all on workqueue stream".
     */
    @Test
    @DisplayName("B-25: overlapping filtered WorkQueue consumers -> 10100; deliver policy other than all -> 10101")
    void filteredConsumersMustNotOverlap(NatsServer server) throws Exception {
        try (Connection nc = server.connect()) {
            Fixtures.TestStream stream = Fixtures.workQueue(nc, "WQC");
            String s = stream.name();
            String onA = "\"filter_subject\":\"" + stream.subject("a") + "\"";
            String onB = "\"filter_subject\":\"" + stream.subject("b") + "\"";
            String onAny = "\"filter_subject\":\"" + stream.subject("*") + "\"";
            JsApi.requireSuccess(createConsumer(nc, s, "A", createBody(s, "A", onA, "")));
            JsApi.requireSuccess(createConsumer(nc, s, "B", createBody(s, "B", onB, "")));

            assertThat(JsApi.requireError(createConsumer(nc, s, "A2", createBody(s, "A2", onA, ""))))
                    .isEqualTo(new JsApi.ApiError(400, 10100, FILTERED_NOT_UNIQUE));
            assertThat(JsApi.requireError(createConsumer(nc, s, "ANY", createBody(s, "ANY", onAny, ""))))
                    .isEqualTo(new JsApi.ApiError(400, 10100, FILTERED_NOT_UNIQUE));
            String lastOnC = "\"filter_subject\":\"" + stream.subject("c") + "\",\"deliver_policy\":\"last\"";
            assertThat(JsApi.requireError(createConsumer(nc, s, "LAST", createBody(s, "LAST", lastOnC, ""))))
                    .isEqualTo(new JsApi.ApiError(400, 10101, "consumer must be deliver all on workqueue stream"));
        }
    }
}
