package dev.jscontract.consumer.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AckSubjectsTest {
    @Test
    void readsTheNineTokenLayout() {
        String s = "$JS.ACK.ORDERS.billing.3.42.57.1700000000000000000.12";
        assertThat(AckSubjects.deliveredCount(s)).isEqualTo(3);
        assertThat(AckSubjects.streamSequence(s)).isEqualTo(42);
    }

    @Test
    void readsTheEightTokenLayoutWithoutPending() {
        String s = "$JS.ACK.ORDERS.billing.1.7.7.1700000000000000000";
        assertThat(AckSubjects.deliveredCount(s)).isEqualTo(1);
        assertThat(AckSubjects.streamSequence(s)).isEqualTo(7);
    }

    @Test
    void readsTheLayoutWithDomainAndAccountHash() {
        String s = "$JS.ACK.hub.ACCHASH.ORDERS.billing.5.9001.9100.1700000000000000000.0.token";
        assertThat(AckSubjects.deliveredCount(s)).isEqualTo(5);
        assertThat(AckSubjects.streamSequence(s)).isEqualTo(9001);
    }

    @Test
    void unknownLayoutsAreMinusOneSoTheCallerFallsBackToJnats() {
        assertThat(AckSubjects.deliveredCount("orders.created")).isEqualTo(-1);
        assertThat(AckSubjects.deliveredCount("$JS.ACK.A.B.1.2")).isEqualTo(-1);
        assertThat(AckSubjects.deliveredCount("$JS.ACK.A.B.x.2.3.4.5")).isEqualTo(-1);
        assertThat(AckSubjects.streamSequence("$JS.ACK.A.B.1..3.4.5")).isEqualTo(-1);
        assertThat(AckSubjects.deliveredCount("$JS.ACK.a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q"))
                .isEqualTo(-1);
        assertThat(AckSubjects.deliveredCount(null)).isEqualTo(-1);
    }
}
