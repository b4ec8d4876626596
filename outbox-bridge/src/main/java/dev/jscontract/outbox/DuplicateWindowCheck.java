package dev.jscontract.outbox;

/**
 * What the relay does when a target stream's duplicate window is shorter than the relay's retry horizon (rule
 * PUB-002): a row re-published after the window has passed is stored a second time, because the stream has forgotten
 * its message id.
 */
public enum DuplicateWindowCheck {
    /**
     * Refuse: {@link OutboxRelay#start()} throws for the streams given to {@link OutboxRelay.Builder#streams}, and a
     * stream first seen in a PubAck stops the relay. The default.
     */
    REFUSE,
    /** Log a warning and send a {@link OutboxRelayEvent.DuplicateWindowRisk} event, then carry on. */
    WARN
}
