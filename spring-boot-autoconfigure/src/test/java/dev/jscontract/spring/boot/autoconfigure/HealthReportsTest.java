package dev.jscontract.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jscontract.outbox.WalSlot;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/** How the relay's WAL-mode report judges a replication slot (the reading itself is in {@code WalRelayHealthIT}). */
class HealthReportsTest {
    private static final DataSize THRESHOLD = DataSize.ofMegabytes(256);
    private static final long LIMIT = THRESHOLD.toBytes();

    private static WalSlot slot(Integer activePid, long lagBytes, String walStatus) {
        return new WalSlot("orders", activePid, "0/16B3748", lagBytes + 100, lagBytes, walStatus);
    }

    @Test
    void aSlotAtTheThresholdIsHealthyAndReportsItsFigures() {
        Map<String, Object> details = new LinkedHashMap<>();

        assertThat(HealthReports.walSlot("orders", slot(42, LIMIT, "reserved"), THRESHOLD, details))
                .isTrue();
        assertThat(details)
                .containsExactly(
                        Map.entry("slot", "orders"),
                        Map.entry("active", true),
                        Map.entry("confirmedLsn", "0/16B3748"),
                        Map.entry("retainedBytes", LIMIT + 100),
                        Map.entry("lagBytes", LIMIT),
                        Map.entry("walLagThreshold", "256MB"),
                        Map.entry("walStatus", "reserved"));
    }

    @Test
    void oneByteOverTheThresholdIsDownNamingTheProperty() {
        Map<String, Object> details = new LinkedHashMap<>();

        assertThat(HealthReports.walSlot("orders", slot(42, LIMIT + 1, "reserved"), THRESHOLD, details))
                .isFalse();
        assertThat(details)
                .containsEntry(
                        "lagExceeded",
                        "replication slot orders lags 268435457 bytes of WAL behind the current position, over"
                                + " jscontract.outbox.relay.wal-lag-threshold=256MB");
    }

    @Test
    void anInactiveSlotOverTheThresholdSaysThatNoRelayStreams() {
        Map<String, Object> details = new LinkedHashMap<>();

        assertThat(HealthReports.walSlot("orders", slot(null, LIMIT + 1, "extended"), THRESHOLD, details))
                .isFalse();
        assertThat(details).containsEntry("active", false);
        assertThat((String) details.get("lagExceeded"))
                .endsWith("; no relay streams from it (see the relay's state," + " or start one)");
    }

    @Test
    void aSlotThatLostItsWalIsDownWhateverItsLag() {
        Map<String, Object> details = new LinkedHashMap<>();

        assertThat(HealthReports.walSlot("orders", slot(null, 0, "lost"), THRESHOLD, details))
                .isFalse();
        assertThat(details).containsEntry("walStatus", "lost").doesNotContainKey("lagExceeded");
        assertThat((String) details.get("walLost"))
                .startsWith("replication slot orders lost WAL to max_slot_wal_keep_size");
    }

    @Test
    void anUnreservedSlotIsReportedButNotDownWhileItsLagIsBelowTheThreshold() {
        Map<String, Object> details = new LinkedHashMap<>();

        assertThat(HealthReports.walSlot("orders", slot(null, 10, "unreserved"), THRESHOLD, details))
                .isTrue();
        assertThat(details).containsEntry("walStatus", "unreserved");
    }

    @Test
    void aMissingSlotIsDownAndReportsOnlyItsName() {
        Map<String, Object> details = new LinkedHashMap<>();

        assertThat(HealthReports.walSlot("orders", null, THRESHOLD, details)).isFalse();
        assertThat(details).containsOnlyKeys("slot", "slotMissing");
        assertThat((String) details.get("slotMissing")).startsWith("replication slot orders does not exist");
    }

    @Test
    void thresholdsReadAsPropertyValues() {
        assertThat(HealthReports.sizeProperty(DataSize.ofGigabytes(1))).isEqualTo("1GB");
        assertThat(HealthReports.sizeProperty(DataSize.ofKilobytes(1536))).isEqualTo("1536KB");
        assertThat(HealthReports.sizeProperty(DataSize.ofBytes(100))).isEqualTo("100B");
        assertThat(HealthReports.sizeProperty(DataSize.ofTerabytes(2))).isEqualTo("2TB");
    }
}
