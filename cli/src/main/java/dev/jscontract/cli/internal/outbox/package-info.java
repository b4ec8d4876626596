/** The outbox commands over OutboxAdmin. */
package dev.jscontract.cli.internal.outbox;
