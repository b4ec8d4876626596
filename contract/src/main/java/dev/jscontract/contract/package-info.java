/** jscontract contract module. */
package dev.jscontract.contract;
