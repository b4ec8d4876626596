package dev.jscontract.examples.springorders;

import dev.jscontract.contract.ServerVersion;
import dev.jscontract.testing.ContractAssertions;
import org.junit.jupiter.api.Test;

/** The billing contract passes the linter for the oldest server jscontract supports, without a server. */
class BillingContractTest {
    @Test
    void theBillingContractHasNoLintErrors() {
        ContractAssertions.assertThat(new SpringOrdersApplication().billing())
                .hasNoLintErrors(ServerVersion.parse("2.9.10"));
    }
}
