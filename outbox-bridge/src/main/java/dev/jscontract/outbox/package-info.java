/**
 * The transactional outbox for JetStream: write events into a PostgreSQL table in the same transaction as the business
 * data ({@link dev.jscontract.outbox.OutboxWriter}), and let {@link dev.jscontract.outbox.OutboxRelay} publish them
 * with idempotent message ids after the commit, so nothing is lost when the process dies between "save" and
 * "publish", and nothing is stored twice when a publish is retried.
 *
 * <p>Start with {@link dev.jscontract.outbox.OutboxSchema} (the SQL), {@link dev.jscontract.outbox.OutboxMessage} and
 * {@link dev.jscontract.outbox.OutboxWriter} (the write side), {@link dev.jscontract.outbox.OutboxRelay} (the
 * publisher, its guarantees and its metrics) and {@link dev.jscontract.outbox.OutboxAdmin} (status, parked rows,
 * re-queue). Implementation classes live in {@code dev.jscontract.outbox.internal}, which is not API.
 */
@NullMarked
package dev.jscontract.outbox;

import org.jspecify.annotations.NullMarked;
