package dev.jscontract.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Micrometer and Resilience4j are optional dependencies (docs/decisions/consumer-optional-integrations.md): no class
 * outside their adapter packages may refer to them, or a user without them gets a NoClassDefFoundError. Read from the
 * compiled classes' constant pools, where every referenced type is named.
 */
class CoreApiIsolationTest {

    @Test
    void onlyTheAdapterPackagesReferToOptionalLibraries() throws Exception {
        Path root = Path.of(ContractConsumer.class
                .getProtectionDomain()
                .getCodeSource()
                .getLocation()
                .toURI());
        Path pkg = root.resolve("dev/jscontract/consumer");
        List<String> offenders;
        try (Stream<Path> files = Files.walk(pkg)) {
            offenders = files.filter(f -> f.toString().endsWith(".class"))
                    .filter(f -> !f.startsWith(pkg.resolve("micrometer")) && !f.startsWith(pkg.resolve("resilience4j")))
                    .filter(CoreApiIsolationTest::refersToOptionalLibrary)
                    .map(f -> root.relativize(f).toString())
                    .collect(Collectors.toList());
        }
        assertThat(files(pkg)).as("compiled consumer classes").isGreaterThan(50);
        assertThat(offenders)
                .as("core classes that refer to Micrometer or Resilience4j")
                .isEmpty();
    }

    private static long files(Path pkg) throws IOException {
        try (Stream<Path> files = Files.walk(pkg)) {
            return files.filter(f -> f.toString().endsWith(".class")).count();
        }
    }

    private static boolean refersToOptionalLibrary(Path classFile) {
        try {
            String text = new String(Files.readAllBytes(classFile), StandardCharsets.ISO_8859_1);
            return text.contains("io/micrometer/") || text.contains("io/github/resilience4j/");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
