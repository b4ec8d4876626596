package dev.jscontract.outbox.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

class OwnershipTest {

    @Test
    void everyChangeGetsANewEpochAndCarriesTheControlSessionsPid() {
        Ownership a = Ownership.NONE.next(Set.of(3, 1), 4242);
        Ownership b = a.next(Set.of(1, 3), 4242);
        assertThat(a.epoch()).isEqualTo(1);
        assertThat(b.epoch()).isEqualTo(2);
        assertThat(a.partitions()).containsExactly(1, 3);
        assertThat(a.controlPid()).isEqualTo(4242);
        assertThat(a.owns(3)).isTrue();
        assertThat(a.owns(2)).isFalse();
        assertThat(a).isNotEqualTo(b).isEqualTo(new Ownership(1, new int[] {1, 3}, 4242));
        assertThat(a.asSet()).containsExactly(1, 3);
        assertThat(Ownership.NONE.isEmpty()).isTrue();
        assertThat(b.next(Set.of(), 4242).controlPid())
                .as("owning nothing: no session")
                .isZero();
    }
}
