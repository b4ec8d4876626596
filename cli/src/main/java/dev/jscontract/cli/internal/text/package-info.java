/** Text and JSON output: tables fitted to the terminal, JSON lines, bodies, durations, progress. */
package dev.jscontract.cli.internal.text;
