package dev.jscontract.cli.internal.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class OutboxStatusCommandTest {
    @Test
    void partitionRanges() {
        assertThat(OutboxStatusCommand.ranges(List.of(0, 1, 2, 3, 5, 7, 8))).isEqualTo("0-3,5,7-8");
        assertThat(OutboxStatusCommand.ranges(List.of())).isEmpty();
    }

    @Test
    void walSizesInBinaryUnits() {
        assertThat(OutboxStatusCommand.bytes(0)).isEqualTo("0 B");
        assertThat(OutboxStatusCommand.bytes(1023)).isEqualTo("1023 B");
        assertThat(OutboxStatusCommand.bytes(1024)).isEqualTo("1.0 KiB");
        assertThat(OutboxStatusCommand.bytes(5L * 1024 * 1024 + 512 * 1024)).isEqualTo("5.5 MiB");
        assertThat(OutboxStatusCommand.bytes(3L << 40)).isEqualTo("3.0 TiB");
    }
}
