/** Connecting like the nats CLI: flags, NATS_* variables and saved contexts merged into settings, secrets, PEM TLS. */
package dev.jscontract.cli.internal.connect;
