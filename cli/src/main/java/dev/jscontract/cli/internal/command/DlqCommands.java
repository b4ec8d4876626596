package dev.jscontract.cli.internal.command;

import dev.jscontract.cli.CliCommand;
import dev.jscontract.cli.CliException;
import dev.jscontract.cli.Environment;
import dev.jscontract.cli.internal.dlq.DlqList;
import dev.jscontract.cli.internal.dlq.DlqPurge;
import dev.jscontract.cli.internal.dlq.DlqReplay;
import dev.jscontract.cli.internal.dlq.DlqShow;
import dev.jscontract.cli.internal.dlq.DlqStats;
import dev.jscontract.cli.internal.dlq.RatePacer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The {@code dlq} command and its subcommands, as picocli classes that build the immutable commands. */
final class DlqCommands {
    private DlqCommands() {}

    /** The options of {@code dlq stats}, shared by {@code dlq} itself (which runs stats). */
    abstract static class StatsOptions implements Leaf {
        @Mixin
        Options.Selection selection = new Options.Selection();

        @Mixin
        Options.Filter filter = new Options.Filter();

        @Option(
                names = {"-j", "--json"},
                description = "One JSON document.")
        boolean json;

        @Override
        public CliCommand toCommand(Clock clock, Environment env) {
            return new DlqStats(selection.toSelection(), filter.toFilter(selection.stream, clock, Set.of()), json);
        }
    }

    @Command(
            name = "dlq",
            description =
                    "Inspect, replay and purge dead letters (the DLQ_* streams jscontract writes). Without a subcommand: stats.",
            mixinStandardHelpOptions = true,
            subcommands = {Stats.class, ListCmd.class, Show.class, Replay.class, Purge.class})
    static final class Dlq extends StatsOptions {}

    @Command(
            name = "stats",
            description =
                    "Dead letters counted by group: consumer x reason x error class + first stack frame, with first and last seen and the group id that list, replay and purge take (--group ID). Reads headers only.",
            mixinStandardHelpOptions = true)
    static final class Stats extends StatsOptions {}

    @Command(
            name = "list",
            description =
                    "Dead letters, newest first: sequence, dead-lettered at, consumer, reason, deliveries, error class: message, original subject and sequence. Reads headers only.",
            mixinStandardHelpOptions = true)
    static final class ListCmd implements Leaf {
        @Mixin
        Options.Selection selection = new Options.Selection();

        @Mixin
        Options.Filter filter = new Options.Filter();

        @Option(
                names = {"-n", "--limit"},
                paramLabel = "N",
                defaultValue = "50",
                description = "At most N per dead-letter stream; 0 for all (default ${DEFAULT-VALUE}).")
        int limit;

        @Option(names = "--oldest", description = "Oldest first.")
        boolean oldest;

        @Option(
                names = "--before",
                paramLabel = "SEQ",
                description = "Only sequences below SEQ (next page, newest first).")
        @Nullable
        Long before;

        @Option(names = "--after", paramLabel = "SEQ", description = "Only sequences above SEQ (next page, --oldest).")
        @Nullable
        Long after;

        @Option(
                names = {"-j", "--json"},
                description = "JSON lines, one dead letter per line.")
        boolean json;

        @Override
        public CliCommand toCommand(Clock clock, Environment env) {
            if (limit < 0) {
                throw CliException.usage("--limit must be 0 (all) or positive but was " + limit);
            }
            return new DlqList(
                    selection.toSelection(),
                    filter.toFilter(selection.stream, clock, Set.of()),
                    limit,
                    oldest,
                    before,
                    after,
                    json);
        }
    }

    @Command(
            name = "show",
            description =
                    "One dead letter: every envelope field, the original headers, the stack, and the body (pretty JSON, text, or a hex dump).",
            mixinStandardHelpOptions = true)
    static final class Show implements Leaf {
        @Mixin
        Options.Selection selection = new Options.Selection();

        @Parameters(index = "0", paramLabel = "SEQ", description = "The sequence in the dead-letter stream.")
        long sequence;

        @Option(names = "--raw", description = "Write the body bytes alone (to pipe into jq or a file).")
        boolean raw;

        @Option(
                names = {"-j", "--json"},
                description = "One JSON document.")
        boolean json;

        @Override
        public CliCommand toCommand(Clock clock, Environment env) {
            if (raw && json) {
                throw CliException.usage("--raw and --json exclude each other: --raw writes the body bytes alone");
            }
            positive(sequence);
            Options.streamName(selection.stream, "--stream");
            return new DlqShow(selection.toSelection(), sequence, raw, json);
        }
    }

    /** What replay and purge take: sequences, a group, or --all. */
    abstract static class Destructive implements Leaf {
        @Mixin
        Options.Selection selection = new Options.Selection();

        @Mixin
        Options.Filter filter = new Options.Filter();

        @Parameters(paramLabel = "SEQ", arity = "0..*", description = "Sequences in the dead-letter stream.")
        List<Long> sequences = new ArrayList<>();

        @Option(names = "--all", description = "Every dead letter that matches the filters.")
        boolean all;

        @Mixin
        Options.Confirm confirm = new Options.Confirm();

        Set<Long> checkedSequences(String verb) {
            if (sequences.isEmpty() && filter.group == null && !all) {
                throw CliException.usage("say what to " + verb + ": sequences (jscontract dlq " + verb + " 12 13),"
                        + " --group ID (from `jscontract dlq stats`), or --all (with filters such as --consumer or"
                        + " --reason)");
            }
            if (all && !sequences.isEmpty()) {
                throw CliException.usage("--all and sequences exclude each other; give one of them");
            }
            sequences.forEach(DlqCommands::positive);
            Options.streamName(selection.stream, "--stream");
            return new LinkedHashSet<>(sequences);
        }
    }

    @Command(
            name = "replay",
            description =
                    "Republish dead letters to their original subject (or --to) with message id replay-<dlq>-<seq>, so replaying twice stores once, and remove each after its PubAck. The set is fixed first; a subject a dead-letter stream captures is refused.",
            mixinStandardHelpOptions = true)
    static final class Replay extends Destructive {
        @Option(names = "--to", paramLabel = "SUBJECT", description = "Publish to SUBJECT instead of the original.")
        @Nullable
        String to;

        @Option(
                names = "--rate",
                paramLabel = "N/s",
                description = "At most N messages per second (also N/m, N/h); default unthrottled.")
        @Nullable
        String rate;

        @Option(names = "--dry-run", description = "Show what would be replayed where, counted; publish nothing.")
        boolean dryRun;

        @Option(names = "--keep", description = "Keep the dead letters after replaying them.")
        boolean keep;

        @Override
        public CliCommand toCommand(Clock clock, Environment env) {
            Set<Long> seqs = checkedSequences("replay");
            if (to != null) {
                String problem = dev.jscontract.contract.internal.Checks.subjectProblem(to, false);
                if (problem != null) {
                    throw CliException.usage(
                            "--to must be a subject without wildcards but was '" + to + "': " + problem);
                }
            }
            return new DlqReplay(
                    selection.toSelection(),
                    filter.toFilter(selection.stream, clock, seqs),
                    to,
                    rate == null ? null : RatePacer.parse(rate),
                    dryRun,
                    keep,
                    confirm.force,
                    confirm.json);
        }
    }

    @Command(
            name = "purge",
            description =
                    "Delete dead letters: shows the count, asks, then deletes exactly those. Without a terminal it refuses unless -f/--force is given.",
            mixinStandardHelpOptions = true)
    static final class Purge extends Destructive {
        @Override
        public CliCommand toCommand(Clock clock, Environment env) {
            Set<Long> seqs = checkedSequences("purge");
            return new DlqPurge(
                    selection.toSelection(),
                    filter.toFilter(selection.stream, clock, seqs),
                    confirm.force,
                    confirm.json);
        }
    }

    static void positive(long sequence) {
        if (sequence <= 0) {
            throw CliException.usage("a sequence must be positive but was " + sequence);
        }
    }
}
