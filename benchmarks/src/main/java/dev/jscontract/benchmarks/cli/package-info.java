/** Load harness of the {@code jscontract} command ({@link dev.jscontract.benchmarks.cli.CliBenchmark}). */
package dev.jscontract.benchmarks.cli;
