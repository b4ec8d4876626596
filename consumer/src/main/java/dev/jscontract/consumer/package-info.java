/** jscontract consumer module. */
package dev.jscontract.consumer;
