/** The lint and explain commands. */
package dev.jscontract.cli.internal.lint;
