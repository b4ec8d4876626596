package dev.jscontract.benchmarks.reliability;

import java.time.Duration;
import java.util.Locale;

/**
 * One row of the reliability table: what a fault cost, measured by the harness.
 *
 * @param fault what was done
 * @param messages committed rows (or published messages) the run had to deliver
 * @param lost messages whose side effect never happened
 * @param duplicatedSideEffects side effects that happened more than once
 * @param duplicatesStored messages the stream stored more than once
 * @param parked outbox rows parked plus messages dead-lettered
 * @param redeliveries handler runs beyond one per message
 * @param timeToRecover from the end of the fault to the side effect of the first message written after it: the whole
 *     path works again (the longest, when repeated; zero for a fault that ended after every side effect had
 *     happened, one day for a fault after which no side effect ever happened although messages remained)
 * @param note what else the scenario measured
 */
record Figures(
        String fault,
        long messages,
        long lost,
        long duplicatedSideEffects,
        long duplicatesStored,
        long parked,
        long redeliveries,
        Duration timeToRecover,
        String note) {

    /** The same figures with a note. */
    Figures withNote(String text) {
        return new Figures(
                fault,
                messages,
                lost,
                duplicatedSideEffects,
                duplicatesStored,
                parked,
                redeliveries,
                timeToRecover,
                text);
    }

    /** The table header. */
    static String header() {
        return "| Fault | Messages | Lost | Duplicated side effects | Duplicates stored | Parked / dead-lettered"
                + " | Redeliveries | Time to recover | Notes |\n|---|---:|---:|---:|---:|---:|---:|---:|---|";
    }

    /** The figures as a Markdown table row. */
    String row() {
        return String.format(
                Locale.ROOT,
                "| %s | %,d | %d | %d | %d | %d | %,d | %s | %s |",
                fault,
                messages,
                lost,
                duplicatedSideEffects,
                duplicatesStored,
                parked,
                redeliveries,
                timeToRecover.isZero() ? "-" : String.format(Locale.ROOT, "%.1f s", timeToRecover.toMillis() / 1000.0),
                note);
    }
}
