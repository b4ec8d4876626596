package dev.jscontract.consumer.internal;

import dev.jscontract.contract.ConsumerContract;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The heartbeat interval a consumer uses: the contract's, checked against the read-back deadlines, or the default. */
final class HeartbeatIntervals {
    private static final Logger LOG = LoggerFactory.getLogger(HeartbeatIntervals.class);

    private HeartbeatIntervals() {}

    /**
     * The interval, or null when the contract turns heartbeats off.
     *
     * @throws IllegalStateException when the declared interval is not shorter than the shortest read-back deadline
     */
    static @Nullable Duration effective(ConsumerContract contract, Deadlines deadlines) {
        if (!contract.hasHeartbeats()) {
            return null;
        }
        Duration shortest = deadlines.shortest();
        Duration declared = contract.getHeartbeatInterval().orElse(null);
        if (declared == null) {
            return deadlines.defaultHeartbeatInterval();
        }
        if (declared.compareTo(shortest) >= 0) {
            throw new IllegalStateException("heartbeatInterval " + declared + " is not shorter than the shortest ack"
                    + " deadline read back from the server (" + shortest + "), so every delivery would be redelivered"
                    + " while its handler runs; declare a heartbeatInterval of at most " + shortest.dividedBy(3)
                    + " (HB-001) or leave it unset for the default (a third of the deadline)");
        }
        if (declared.compareTo(shortest.dividedBy(3)) > 0) {
            LOG.warn(
                    "consumer {}/{}: heartbeatInterval {} is more than a third of the read-back ack deadline {}; one"
                            + " lost heartbeat can let the deadline pass (HB-001)",
                    contract.getStream(),
                    contract.getDurable(),
                    declared,
                    shortest);
        }
        return declared;
    }
}
