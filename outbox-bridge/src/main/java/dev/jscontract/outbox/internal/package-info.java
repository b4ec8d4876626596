/** Implementation of the outbox relay; not API, may change in any release. */
@NullMarked
package dev.jscontract.outbox.internal;

import org.jspecify.annotations.NullMarked;
