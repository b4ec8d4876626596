/** The dlq commands: reading dead-letter streams with ordered consumers, filters, groups, rendering, replay and purge. */
package dev.jscontract.cli.internal.dlq;
