/**
 * The outbox bridge's load harness ({@link dev.jscontract.benchmarks.outbox.OutboxBenchmark}: the relay against a naive
 * relay and raw publishing, commit-to-PubAck latency, idle query rate) and its baseline ({@code NaiveRelay}). Results
 * are in {@code docs/benchmarks.md}.
 */
package dev.jscontract.benchmarks.outbox;
