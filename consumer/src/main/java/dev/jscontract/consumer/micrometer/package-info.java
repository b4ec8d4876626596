/**
 * Micrometer meters for a {@link dev.jscontract.consumer.ContractConsumer}, fed from its events: see {@link
 * dev.jscontract.consumer.micrometer.MicrometerConsumerMetrics}.
 */
@NullMarked
package dev.jscontract.consumer.micrometer;

import org.jspecify.annotations.NullMarked;
