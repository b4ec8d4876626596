package dev.jscontract.consumer.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The wording the settle path and the sweeper log ("dead-lettered after 1 delivery"). */
class SettlerTest {

    @Test
    void oneDeliveryIsSingularEveryOtherCountIsPlural() {
        assertThat(Settler.deliveries(1)).isEqualTo("1 delivery");
        assertThat(Settler.deliveries(0)).isEqualTo("0 deliveries");
        assertThat(Settler.deliveries(2)).isEqualTo("2 deliveries");
        assertThat(Settler.deliveries(11)).isEqualTo("11 deliveries");
        assertThat(Settler.deliveries(21))
                .as("no English ordinal rules, only n == 1")
                .isEqualTo("21 deliveries");
    }
}
