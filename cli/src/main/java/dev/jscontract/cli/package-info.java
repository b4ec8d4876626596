/**
 * The {@code jscontract} command line: {@link dev.jscontract.cli.Main} (the executable), {@link dev.jscontract.cli.Cli}
 * (the same in-process: parse into an immutable {@link dev.jscontract.cli.CliCommand}, run it against a {@link
 * dev.jscontract.cli.Session}), the injected {@link dev.jscontract.cli.Environment} and {@link
 * dev.jscontract.cli.Terminal}, and the {@link dev.jscontract.cli.ExitCodes}. Everything under {@code internal} is the
 * implementation and may change without notice.
 */
package dev.jscontract.cli;
