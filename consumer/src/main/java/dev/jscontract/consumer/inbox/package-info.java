/**
 * A JDBC inbox for effectively-once side effects: {@link dev.jscontract.consumer.inbox.Inbox} records each
 * processed message in the handler's own transaction, so a redelivery (at-least-once delivery, late acks, B-06,
 * IDEM-001) finds the record and has no second side effect.
 */
@NullMarked
package dev.jscontract.consumer.inbox;

import org.jspecify.annotations.NullMarked;
