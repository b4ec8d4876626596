package dev.jscontract.contract.internal;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * The listener isolation rule the consumer's event bus and the outbox relay's events share: everything a listener
 * throws is isolated except a {@link VirtualMachineError} other than {@link StackOverflowError}. The errors are
 * constructed, not provoked.
 */
class ListenersTest {

    @Test
    void exceptionsAndOrdinaryErrorsAreIsolated() {
        assertThatCode(() -> Listeners.rethrowIfFatal(new IllegalStateException("bug")))
                .doesNotThrowAnyException();
        assertThatCode(() -> Listeners.rethrowIfFatal(new IOException("checked")))
                .doesNotThrowAnyException();
        assertThatCode(() -> Listeners.rethrowIfFatal(new AssertionError("a listener's assert")))
                .as("an Error that is not a VirtualMachineError, e.g. a test listener's failed assertion")
                .doesNotThrowAnyException();
        assertThatCode(() -> Listeners.rethrowIfFatal(new LinkageError("bad class")))
                .doesNotThrowAnyException();
    }

    @Test
    void aStackOverflowIsIsolatedBecauseItsStackIsUnwoundWhenItIsCaught() {
        assertThatCode(() -> Listeners.rethrowIfFatal(new StackOverflowError("test")))
                .doesNotThrowAnyException();
    }

    @Test
    void theOtherVirtualMachineErrorsAreRethrownAsTheSameInstance() {
        OutOfMemoryError oom = new OutOfMemoryError("test");
        assertThatThrownBy(() -> Listeners.rethrowIfFatal(oom)).isSameAs(oom);
        InternalError internal = new InternalError("test");
        assertThatThrownBy(() -> Listeners.rethrowIfFatal(internal)).isSameAs(internal);
    }
}
