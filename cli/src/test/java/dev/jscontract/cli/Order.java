package dev.jscontract.cli;

/** The payload of the test scenarios. */
public record Order(String id, long cents) {}
