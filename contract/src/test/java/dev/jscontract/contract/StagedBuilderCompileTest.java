package dev.jscontract.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringWriter;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A missing required stage is a compile error, not a runtime one: the snippets are compiled here. */
class StagedBuilderCompileTest {

    private static final String COMPLETE = "ConsumerContract.builder().stream(\"S\").durable(\"d\")"
            + ".ackWait(Duration.ofSeconds(30)).maxDeliver(5).backoff(Backoff.none())"
            + ".deadLetter(DeadLetterPolicy.toDefaultSubject()).build()";

    @ParameterizedTest(name = "without {0}")
    @CsvSource({
        "stream,        '.stream(\"S\")'",
        "durable,       '.durable(\"d\")'",
        "ackWait,       '.ackWait(Duration.ofSeconds(30))'",
        "maxDeliver,    '.maxDeliver(5)'",
        "backoff,       '.backoff(Backoff.none())'",
        "deadLetter,    '.deadLetter(DeadLetterPolicy.toDefaultSubject())'"
    })
    void leavingOutARequiredStageDoesNotCompile(String stage, String call) {
        String broken = COMPLETE.replace(call, "");
        List<String> errors = compile(broken);
        assertThat(errors).as("compiling without %s", stage).isNotEmpty();
        assertThat(errors.get(0)).contains("cannot find symbol");
    }

    @org.junit.jupiter.api.Test
    void theCompleteChainCompiles() {
        assertThat(compile(COMPLETE)).isEmpty();
    }

    private static List<String> compile(String expression) {
        String source = "import dev.jscontract.contract.*;\nimport java.time.Duration;\n"
                + "class Snippet { Object c() { return " + expression + "; } }\n";
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        JavaFileObject file =
                new SimpleJavaFileObject(URI.create("string:///Snippet.java"), JavaFileObject.Kind.SOURCE) {
                    @Override
                    public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                        return source;
                    }
                };
        // the tests run on the module path (module-info): the contract's classes are there, not on the class path
        String path = System.getProperty("java.class.path")
                + java.io.File.pathSeparator
                + System.getProperty("jdk.module.path", "");
        List<String> options = List.of("-classpath", path, "-proc:none", "-d", System.getProperty("java.io.tmpdir"));
        compiler.getTask(new StringWriter(), null, diagnostics, options, null, List.of(file))
                .call();
        return diagnostics.getDiagnostics().stream()
                .filter(d -> d.getKind() == Diagnostic.Kind.ERROR)
                .map(d -> d.getMessage(Locale.ROOT))
                .collect(Collectors.toList());
    }
}
