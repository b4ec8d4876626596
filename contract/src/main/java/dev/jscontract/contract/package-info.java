/**
 * The consumer contract: a typed, immutable description of how a JetStream consumer may be delivered to, rendered
 * to a jnats {@code ConsumerConfiguration} for a given server version, provisioned and checked for drift, linted
 * against the rule catalogue of {@code docs/jetstream-semantics.md}, and explained as a delivery timeline.
 *
 * <p>Entry points: {@link dev.jscontract.contract.ConsumerContract#builder()}, {@link
 * dev.jscontract.contract.ContractLinter}, {@link dev.jscontract.contract.ContractProvisioner}, {@link
 * dev.jscontract.contract.ContractJson}, and the dead-letter format {@link dev.jscontract.contract.DeadLetterHeaders}
 * / {@link dev.jscontract.contract.DeadLetterEnvelope}.
 */
@NullMarked
package dev.jscontract.contract;

import org.jspecify.annotations.NullMarked;
