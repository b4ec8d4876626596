package dev.jscontract.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonParseException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class FailureClassifierTest {
    private final FailureClassifier defaults = FailureClassifier.defaults();

    @Test
    void permanentFailureDecodingAndJacksonErrorsArePermanentByDefault() {
        assertThat(defaults.classify(new PermanentFailure("rejected"))).isEqualTo(FailureKind.PERMANENT);
        assertThat(defaults.classify(new DecodingException("bad"))).isEqualTo(FailureKind.PERMANENT);
        assertThat(defaults.classify(new JsonParseException(null, "unexpected token")))
                .isEqualTo(FailureKind.PERMANENT);
    }

    @Test
    void everythingElseIsRetryableByDefault() {
        assertThat(defaults.classify(new TimeoutException("db"))).isEqualTo(FailureKind.RETRYABLE);
        assertThat(defaults.classify(new IllegalStateException())).isEqualTo(FailureKind.RETRYABLE);
        assertThat(defaults.classify(new IOException("reset"))).isEqualTo(FailureKind.RETRYABLE);
    }

    @Test
    void theCauseChainIsSearched() {
        Exception wrapped = new RuntimeException(
                "outer", new UncheckedIOException(new IOException("mid", new PermanentFailure("inner"))));
        assertThat(defaults.classify(wrapped)).isEqualTo(FailureKind.PERMANENT);
    }

    @Test
    void usersAddPermanentAndRetryableTypesTheLastAddedIsAskedFirst() {
        FailureClassifier c =
                defaults.withPermanent(IllegalArgumentException.class).withRetryable(NumberFormatException.class);
        assertThat(c.classify(new IllegalArgumentException("bad input"))).isEqualTo(FailureKind.PERMANENT);
        assertThat(c.classify(new NumberFormatException("x")))
                .as("subclass of IAE, but retryable wins")
                .isEqualTo(FailureKind.RETRYABLE);
        assertThat(c.classify(new PermanentFailure("still"))).isEqualTo(FailureKind.PERMANENT);
        assertThat(c.classify(new RuntimeException(new IllegalArgumentException())))
                .isEqualTo(FailureKind.PERMANENT);
    }

    @Test
    void aRetryableOverrideCanUnmakeADefaultPermanent() {
        assertThat(defaults.withRetryable(DecodingException.class).classify(new DecodingException("x")))
                .isEqualTo(FailureKind.RETRYABLE);
    }
}
