/** The picocli classes of the command line; each leaf builds an immutable command (parsing only, no I/O). */
package dev.jscontract.cli.internal.command;
