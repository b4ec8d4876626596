package dev.jscontract.testing;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away certificate authority for TLS tests against a real nats-server: a CA and the certificates it signs, made
 * with the JDK's {@code keytool}, so tests need no OpenSSL and no checked-in keys. In the folder given, {@link #ca()}
 * writes {@code ca.p12} and {@code ca.pem}; {@link #signed} writes {@code <name>.p12} (PKCS#12, password
 * {@code changeit}), {@code <name>.pem} (the certificate) and {@code <name>-key.pem} (the key as PKCS#8 PEM, which
 * nats-server, the {@code nats} CLI and Spring Boot's PEM SSL bundles read). Certificates are valid for two days.
 */
public final class TestPki {

    private final Path dir;

    /**
     * A PKI writing its files into this folder.
     *
     * @param dir an existing folder, usually a JUnit {@code @TempDir}
     */
    public TestPki(Path dir) {
        this.dir = dir;
    }

    /**
     * Makes the CA ({@code ca.p12}, {@code ca.pem}).
     *
     * @return this
     * @throws Exception when keytool fails
     */
    public TestPki ca() throws Exception {
        keytool(
                "-genkeypair",
                "-alias",
                "ca",
                "-keyalg",
                "RSA",
                "-keysize",
                "2048",
                "-dname",
                "CN=jsc-test-ca",
                "-ext",
                "bc:c",
                "-validity",
                "2",
                "-keystore",
                "ca.p12",
                "-storetype",
                "PKCS12",
                "-storepass",
                "changeit");
        keytool(
                "-exportcert",
                "-rfc",
                "-alias",
                "ca",
                "-keystore",
                "ca.p12",
                "-storepass",
                "changeit",
                "-file",
                "ca.pem");
        return this;
    }

    /**
     * Makes a key pair and a certificate signed by the CA.
     *
     * @param name the subject's CN and the files' base name
     * @param usage the extended key usage, {@code serverAuth} or {@code clientAuth}
     * @param san keytool's subject-alternative-name extension (e.g. {@code SAN=ip:127.0.0.1,dns:localhost}), or null
     * @return this
     * @throws Exception when keytool fails
     */
    public TestPki signed(String name, String usage, String san) throws Exception {
        keytool(
                "-genkeypair",
                "-alias",
                name,
                "-keyalg",
                "RSA",
                "-keysize",
                "2048",
                "-dname",
                "CN=" + name,
                "-validity",
                "2",
                "-keystore",
                name + ".p12",
                "-storetype",
                "PKCS12",
                "-storepass",
                "changeit");
        keytool(
                "-certreq",
                "-alias",
                name,
                "-keystore",
                name + ".p12",
                "-storepass",
                "changeit",
                "-file",
                name + ".csr");
        List<String> gen = new ArrayList<>(List.of(
                "-gencert",
                "-alias",
                "ca",
                "-keystore",
                "ca.p12",
                "-storepass",
                "changeit",
                "-infile",
                name + ".csr",
                "-outfile",
                name + ".pem",
                "-rfc",
                "-validity",
                "2",
                "-ext",
                "EKU=" + usage));
        if (san != null) {
            gen.addAll(List.of("-ext", san));
        }
        keytool(gen.toArray(String[]::new));
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(dir.resolve(name + ".p12"))) {
            ks.load(in, "changeit".toCharArray());
        }
        PrivateKey key = (PrivateKey) ks.getKey(name, "changeit".toCharArray());
        Files.writeString(
                dir.resolve(name + "-key.pem"),
                "-----BEGIN PRIVATE KEY-----\n"
                        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                                .encodeToString(key.getEncoded())
                        + "\n-----END PRIVATE KEY-----\n");
        return this;
    }

    private void keytool(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("keytool " + String.join(" ", args) + " failed: " + output);
        }
    }
}
