package dev.jscontract.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import nl.jqno.equalsverifier.EqualsVerifier;
import org.junit.jupiter.api.Test;

class WalSlotTest {
    @Test
    void activeMeansAReaderPid() {
        WalSlot idle = new WalSlot("s", null, "0/16B3748", 2048, 1024, "reserved");
        assertThat(idle.isActive()).isFalse();
        assertThat(idle.getActivePid()).isEmpty();
        WalSlot active = new WalSlot("s", 4711, "0/16B3748", 2048, 0, "reserved");
        assertThat(active.isActive()).isTrue();
        assertThat(active.getActivePid()).hasValue(4711);
        assertThat(active.toString())
                .isEqualTo("WalSlot{s, activePid=4711, confirmed=0/16B3748, retained=2048 B, lag=0 B,"
                        + " walStatus=reserved}");
    }

    @Test
    void equalsAndHashCode() {
        EqualsVerifier.forClass(WalSlot.class).withNonnullFields("name").verify();
    }
}
