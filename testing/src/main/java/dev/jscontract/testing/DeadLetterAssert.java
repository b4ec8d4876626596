package dev.jscontract.testing;

import dev.jscontract.contract.DeadLetterEnvelope;
import dev.jscontract.contract.DeadLetterReason;
import org.assertj.core.api.AbstractAssert;

/** Assertions on a dead letter; start with {@link ContractAssertions#assertThat(DeadLetterEnvelope)}. */
public final class DeadLetterAssert extends AbstractAssert<DeadLetterAssert, DeadLetterEnvelope> {

    DeadLetterAssert(DeadLetterEnvelope actual) {
        super(actual, DeadLetterAssert.class);
    }

    /** It was dead-lettered for this reason. */
    public DeadLetterAssert hasReason(DeadLetterReason reason) {
        isNotNull();
        if (actual.getReason() != reason) {
            failWithMessage(
                    "Expected dead letter %s to have reason %s but it was %s",
                    actual.messageId(), reason, actual.getReason());
        }
        return this;
    }

    /** It was delivered exactly this many times before it was dead-lettered. */
    public DeadLetterAssert hasDeliveries(long deliveries) {
        isNotNull();
        if (actual.getDeliveries() != deliveries) {
            failWithMessage(
                    "Expected dead letter %s to have been delivered %d times but it was %d times",
                    actual.messageId(), deliveries, actual.getDeliveries());
        }
        return this;
    }

    /** Its failure was of this exception class. */
    public DeadLetterAssert hasErrorClass(Class<? extends Throwable> errorClass) {
        isNotNull();
        String cls = actual.getErrorClass().orElse("(none)");
        if (!cls.equals(errorClass.getName())) {
            failWithMessage(
                    "Expected dead letter %s to have error class %s but it was %s",
                    actual.messageId(), errorClass.getName(), cls);
        }
        return this;
    }

    /** It is the dead letter of this original message. */
    public DeadLetterAssert isOf(String stream, long sequence) {
        isNotNull();
        if (!actual.getOriginalStream().equals(stream) || actual.getOriginalSequence() != sequence) {
            failWithMessage(
                    "Expected the dead letter of %s#%d but it is of %s#%d",
                    stream, sequence, actual.getOriginalStream(), actual.getOriginalSequence());
        }
        return this;
    }
}
