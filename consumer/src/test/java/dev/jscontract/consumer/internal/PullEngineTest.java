package dev.jscontract.consumer.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class PullEngineTest {
    @Test
    void readsTheRequestIdFromTheLastSubjectToken() {
        assertThat(PullEngine.requestId("_INBOX.abc123.42")).isEqualTo(42);
        assertThat(PullEngine.requestId("_INBOX.abc.7")).isEqualTo(7);
        assertThat(PullEngine.requestId("_INBOX.abc.x7")).isEqualTo(-1);
        assertThat(PullEngine.requestId("_INBOX.abc.")).isEqualTo(-1);
        assertThat(PullEngine.requestId("42")).isEqualTo(-1);
    }

    @Test
    void asksForIdleHeartbeatsEveryFifthOfTheExpiryButNotMoreOftenThanTwiceASecond() {
        assertThat(PullEngine.heartbeatFor(Duration.ofSeconds(5))).isEqualTo(Duration.ofSeconds(1));
        assertThat(PullEngine.heartbeatFor(Duration.ofSeconds(1))).isEqualTo(Duration.ofMillis(500));
        assertThat(PullEngine.heartbeatFor(Duration.ofSeconds(30))).isEqualTo(Duration.ofSeconds(6));
    }
}
