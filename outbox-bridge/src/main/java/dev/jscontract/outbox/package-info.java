/** jscontract outbox module. */
package dev.jscontract.outbox;
