package dev.jscontract.cli.internal.connect;

import dev.jscontract.cli.CliException;
import dev.jscontract.cli.ExitCodes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.jspecify.annotations.Nullable;

/**
 * Builds an {@link SSLContext} from the PEM files the {@code nats} CLI takes ({@code --tlscert}, {@code --tlskey},
 * {@code --tlsca}): jnats accepts only Java key stores, while NATS users have PEM files. Keys may be PKCS#8 ({@code
 * BEGIN PRIVATE KEY}, RSA or EC) or PKCS#1 RSA ({@code BEGIN RSA PRIVATE KEY}); SEC1 EC keys ({@code BEGIN EC
 * PRIVATE KEY}) and encrypted keys are refused with the {@code openssl} command that converts them.
 */
public final class PemTls {
    private static final Pattern BLOCK = Pattern.compile("-----BEGIN ([A-Z ]+)-----([^-]+)-----END \\1-----");
    private static final char[] NO_PASSWORD = new char[0];

    private PemTls() {}

    /**
     * An SSL context trusting {@code ca} (else the JVM's default trust) and presenting {@code cert}/{@code key} when
     * given.
     *
     * @throws CliException (exit 2) for files that are not usable PEM
     */
    public static SSLContext context(@Nullable Path cert, @Nullable Path key, @Nullable Path ca) {
        try {
            TrustManagerFactory tmf = null;
            if (ca != null) {
                KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
                trust.load(null, null);
                int i = 0;
                for (Certificate c : certificates(ca, "--tlsca")) {
                    trust.setCertificateEntry("ca-" + i++, c);
                }
                tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(trust);
            }
            KeyManagerFactory kmf = null;
            if (cert != null && key != null) {
                Collection<? extends Certificate> chain = certificates(cert, "--tlscert");
                KeyStore ks = KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                ks.setKeyEntry("client", privateKey(key), NO_PASSWORD, chain.toArray(new Certificate[0]));
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(ks, NO_PASSWORD);
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
            return ctx;
        } catch (IOException | GeneralSecurityException e) {
            throw new CliException(ExitCodes.USAGE, "cannot set up TLS from the given files: " + e.getMessage(), e);
        }
    }

    private static Collection<? extends Certificate> certificates(Path file, String option)
            throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(file)) {
            Collection<? extends Certificate> certs =
                    CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certs.isEmpty()) {
                throw new CliException(
                        ExitCodes.USAGE,
                        option + " file " + file + " holds no certificate; give a PEM file with BEGIN CERTIFICATE");
            }
            return certs;
        } catch (java.security.cert.CertificateException e) {
            throw new CliException(
                    ExitCodes.USAGE,
                    option + " file " + file + " is not a PEM certificate (" + e.getMessage()
                            + "); give a file with -----BEGIN CERTIFICATE-----",
                    e);
        }
    }

    /** Reads a PEM private key (PKCS#8, or PKCS#1 RSA). */
    static PrivateKey privateKey(Path file) throws IOException, GeneralSecurityException {
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            String type = m.group(1);
            byte[] der = Base64.getMimeDecoder().decode(m.group(2));
            switch (type) {
                case "PRIVATE KEY" -> {
                    return pkcs8(der, file);
                }
                case "RSA PRIVATE KEY" -> {
                    return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(wrapPkcs1(der)));
                }
                case "EC PRIVATE KEY" ->
                    throw new CliException(
                            ExitCodes.USAGE,
                            "--tlskey file " + file + " is a SEC1 EC key (BEGIN EC PRIVATE KEY); convert it to PKCS#8"
                                    + " with: openssl pkcs8 -topk8 -nocrypt -in " + file + " -out key.pk8.pem");
                case "ENCRYPTED PRIVATE KEY" ->
                    throw new CliException(
                            ExitCodes.USAGE,
                            "--tlskey file " + file + " is encrypted; decrypt it with: openssl pkcs8 -in " + file
                                    + " -out key.pem");
                default -> {
                    // a certificate or parameters block before the key; keep looking
                }
            }
        }
        throw new CliException(
                ExitCodes.USAGE,
                "--tlskey file " + file + " holds no private key; give a PEM file with -----BEGIN PRIVATE KEY-----");
    }

    private static PrivateKey pkcs8(byte[] der, Path file) throws GeneralSecurityException {
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String algorithm : new String[] {"RSA", "EC", "Ed25519"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (InvalidKeySpecException e) {
                // try the next algorithm
            }
        }
        throw new CliException(
                ExitCodes.USAGE,
                "--tlskey file " + file + " is a PKCS#8 key of an algorithm other than RSA, EC or" + " Ed25519");
    }

    /** Wraps a PKCS#1 RSAPrivateKey in a PKCS#8 PrivateKeyInfo (version 0, rsaEncryption, the key). */
    private static byte[] wrapPkcs1(byte[] pkcs1) {
        byte[] algorithm = {
            0x02,
            0x01,
            0x00, // version 0
            0x30,
            0x0d,
            0x06,
            0x09,
            0x2a,
            (byte) 0x86,
            0x48,
            (byte) 0x86,
            (byte) 0xf7,
            0x0d,
            0x01,
            0x01,
            0x01,
            0x05,
            0x00
        };
        byte[] octet = derHeader(0x04, pkcs1.length);
        int innerLength = algorithm.length + octet.length + pkcs1.length;
        byte[] seq = derHeader(0x30, innerLength);
        byte[] out = new byte[seq.length + innerLength];
        int p = 0;
        System.arraycopy(seq, 0, out, p, seq.length);
        p += seq.length;
        System.arraycopy(algorithm, 0, out, p, algorithm.length);
        p += algorithm.length;
        System.arraycopy(octet, 0, out, p, octet.length);
        p += octet.length;
        System.arraycopy(pkcs1, 0, out, p, pkcs1.length);
        return out;
    }

    private static byte[] derHeader(int tag, int length) {
        if (length < 0x80) {
            return new byte[] {(byte) tag, (byte) length};
        }
        if (length < 0x100) {
            return new byte[] {(byte) tag, (byte) 0x81, (byte) length};
        }
        if (length < 0x10000) {
            return new byte[] {(byte) tag, (byte) 0x82, (byte) (length >> 8), (byte) length};
        }
        return new byte[] {(byte) tag, (byte) 0x83, (byte) (length >> 16), (byte) (length >> 8), (byte) length};
    }
}
