package dev.jscontract.cli.internal.lint;

import dev.jscontract.cli.CliCommand;
import dev.jscontract.cli.CliException;
import dev.jscontract.cli.ExitCodes;
import dev.jscontract.cli.Session;
import dev.jscontract.contract.ConsumerContract;
import dev.jscontract.contract.ContractFormatException;
import dev.jscontract.contract.ContractJson;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code jscontract explain contract.json...}: the delivery timeline of each contract ({@code
 * ConsumerContract.explain()}): when each attempt can happen, its ack deadline, the retry delays, when a message is
 * dead-lettered at the latest, how long a crashed instance holds a message, the throughput ceiling. Offline.
 *
 * @param files the contract files
 */
public record ExplainCommand(List<Path> files) implements CliCommand {

    /** Copies the list. */
    public ExplainCommand {
        files = List.copyOf(files);
    }

    @Override
    public int run(Session session) {
        boolean first = true;
        for (Path file : files) {
            ConsumerContract c = read(file);
            if (!first) {
                session.terminal().out().println();
            }
            first = false;
            session.terminal().out().print(c.explain().toText());
        }
        session.terminal().out().flush();
        return ExitCodes.OK;
    }

    /**
     * Reads a contract file.
     *
     * @throws CliException (exit 3) for a missing file, (exit 2) for an invalid contract
     */
    static ConsumerContract read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw CliException.unavailable(
                    "contract file " + file + " does not exist; give the path of a contract"
                            + " JSON file (format: docs/contract-json.md)",
                    null);
        }
        try {
            return ContractJson.read(file);
        } catch (ContractFormatException e) {
            throw new CliException(ExitCodes.USAGE, e.getMessage(), e);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new CliException(ExitCodes.USAGE, file + ": " + e.getMessage(), e);
        } catch (UncheckedIOException e) {
            throw new CliException(ExitCodes.UNAVAILABLE, e.getMessage(), e);
        }
    }
}
