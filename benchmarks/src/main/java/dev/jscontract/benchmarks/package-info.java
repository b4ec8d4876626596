/** Load harnesses and JMH benchmarks; see docs/benchmarks.md. */
package dev.jscontract.benchmarks;
