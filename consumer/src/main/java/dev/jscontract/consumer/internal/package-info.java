/**
 * Implementation of the consumer runtime. Not API: types here may change in any release; use {@link
 * dev.jscontract.consumer.ContractConsumer}.
 */
@NullMarked
package dev.jscontract.consumer.internal;

import org.jspecify.annotations.NullMarked;
