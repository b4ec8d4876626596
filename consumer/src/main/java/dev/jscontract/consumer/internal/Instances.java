package dev.jscontract.consumer.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** The default {@code Jsc-Instance} value: {@code <host name>/<pid>}, computed once per JVM. */
public final class Instances {
    private static volatile String defaultName;

    private Instances() {}

    /** {@code <host name>/<pid>}; {@code unknown-host/<pid>} when the host name cannot be resolved. */
    public static String defaultName() {
        String n = defaultName;
        if (n == null) {
            String host;
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException | SecurityException e) {
                host = "unknown-host";
            }
            n = host + "/" + ProcessHandle.current().pid();
            defaultName = n;
        }
        return n;
    }
}
