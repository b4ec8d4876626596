package dev.jscontract.cli.internal.connect;

import dev.jscontract.cli.CliException;
import dev.jscontract.cli.Environment;
import dev.jscontract.cli.ExitCodes;
import dev.jscontract.cli.internal.text.Durations;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Merges the connection flags, the {@code NATS_*} environment variables and the selected {@code nats} context into
 * {@link ConnectionSettings}, as the {@code nats} CLI does (docs/decisions/cli-connection-precedence.md):
 *
 * <ol>
 *   <li>The context: {@code --context NAME|FILE}, else {@code NATS_CONTEXT}, else the name in {@code
 *       $XDG_CONFIG_HOME/nats/context.txt} ({@code ~/.config} when unset), else none. A value ending in {@code .json}
 *       or containing {@code /} is a file; a name is {@code <config>/nats/context/<name>.json}.
 *   <li>Each value: the flag, else its environment variable, else the context's field, else the default ({@code
 *       nats://127.0.0.1:4222}, timeout 5s).
 *   <li>Authentication is one method: the highest level (flags, then environment, then context) that names a user,
 *       token, creds file or nkey decides it, and lower levels' other methods are ignored; a level that names two of
 *       them is an error. The password follows the user method and may come from a lower level (a context that
 *       holds the user, {@code NATS_PASSWORD} that holds the password). A context's {@code user_jwt} and {@code
 *       user_seed} are the last method.
 *   <li>Secrets ({@code password}, {@code token}, {@code user_jwt}, {@code user_seed}) may be literal, {@code
 *       env://NAME}, {@code file://PATH} or {@code data:;base64,...}; paths ({@code creds}, {@code nkey}, {@code
 *       cert}, {@code key}, {@code ca}) expand {@code ~} and {@code $VAR}/{@code ${VAR}}.
 * </ol>
 */
public final class SettingsResolver {
    /** The {@code nats} CLI's default server. */
    public static final String DEFAULT_URL = "nats://127.0.0.1:4222";
    /** The {@code nats} CLI's default timeout. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    private static final Pattern VAR = Pattern.compile("\\$(?:\\{([A-Za-z_][A-Za-z0-9_]*)}|([A-Za-z_][A-Za-z0-9_]*))");

    private final Environment env;

    /** A resolver reading variables and files through {@code env}. */
    public SettingsResolver(Environment env) {
        this.env = env;
    }

    /** The directory holding {@code nats/context/}: {@code $XDG_CONFIG_HOME}, else {@code ~/.config}. */
    public Path configHome() {
        return env.get("XDG_CONFIG_HOME").map(Path::of).orElse(env.home().resolve(".config"));
    }

    /**
     * The selected context, if any.
     *
     * @throws CliException (exit 3) when a selected context does not exist
     */
    public Optional<NatsContext> context(ConnectionFlags flags) {
        String selected;
        String how;
        if (flags.context() != null && !flags.context().isEmpty()) {
            selected = flags.context();
            how = "(given with --context)";
        } else if (env.get("NATS_CONTEXT").isPresent()) {
            selected = env.getOrNull("NATS_CONTEXT");
            how = "(named by NATS_CONTEXT)";
        } else {
            Path txt = configHome().resolve("nats").resolve("context.txt");
            try {
                selected = Files.readString(txt).trim();
            } catch (NoSuchFileException e) {
                return Optional.empty();
            } catch (IOException e) {
                throw new CliException(
                        ExitCodes.UNAVAILABLE, "cannot read the selected nats context from " + txt + ": " + e, e);
            }
            if (selected.isEmpty()) {
                return Optional.empty();
            }
            how = "(selected in " + txt + ")";
        }
        if (selected.endsWith(".json") || selected.contains("/")) {
            Path file = expandPath(selected, "--context");
            String name = file.getFileName().toString().replaceFirst("\\.json$", "");
            return Optional.of(NatsContext.read(name, file, how));
        }
        if (selected.contains("..") || selected.contains("\\")) {
            throw CliException.usage("nats context name '" + selected + "' is not a name; give a context name or the"
                    + " path of a .json file");
        }
        Path file = configHome().resolve("nats").resolve("context").resolve(selected + ".json");
        return Optional.of(NatsContext.read(selected, file, how));
    }

    /**
     * Resolves the settings.
     *
     * @throws CliException (exit 2) for conflicting or malformed values, (exit 3) for a missing context, secret file
     *     or variable
     */
    public ConnectionSettings resolve(ConnectionFlags flags) {
        Optional<NatsContext> ctx = context(flags);
        Level fl = new Level(
                "flags",
                flags.user(),
                flags.token(),
                flags.creds(),
                flags.nkey(),
                "--user",
                "--token",
                "--creds",
                "--nkey");
        Level el = new Level(
                "environment",
                env.getOrNull("NATS_USER"),
                env.getOrNull("NATS_TOKEN"),
                env.getOrNull("NATS_CREDS"),
                env.getOrNull("NATS_NKEY"),
                "NATS_USER",
                "NATS_TOKEN",
                "NATS_CREDS",
                "NATS_NKEY");
        String ctxDesc =
                ctx.map(c -> "context '" + c.name() + "' (" + c.file() + ")").orElse("context");
        Level cl = new Level(
                ctxDesc,
                ctxValue(ctx, "user"),
                ctxValue(ctx, "token"),
                ctxValue(ctx, "creds"),
                ctxValue(ctx, "nkey"),
                "user",
                "token",
                "creds",
                "nkey");
        String url = first(flags.server(), env.getOrNull("NATS_URL"), ctxValue(ctx, "url"), DEFAULT_URL);
        Duration timeout = flags.timeout() != null
                ? flags.timeout()
                : env.get("NATS_TIMEOUT")
                        .map(t -> Durations.parsePositive(t, "NATS_TIMEOUT"))
                        .orElse(DEFAULT_TIMEOUT);

        ConnectionSettings.Auth auth = ConnectionSettings.Auth.NONE;
        String user = null;
        String password = null;
        String token = null;
        Path creds = null;
        Path nkey = null;
        String jwt = null;
        String seed = null;
        Level decided = null;
        for (Level level : List.of(fl, el, cl)) {
            if (level.method() != null) {
                decided = level;
                break;
            }
        }
        String passwordRaw = first(flags.password(), env.getOrNull("NATS_PASSWORD"), ctxValue(ctx, "password"), null);
        if (decided != null) {
            switch (decided.method()) {
                case USER -> {
                    auth = ConnectionSettings.Auth.USER;
                    user = decided.user;
                    password = passwordRaw == null ? null : secret(passwordRaw, "password");
                }
                case TOKEN -> {
                    auth = ConnectionSettings.Auth.TOKEN;
                    token = secret(decided.token, "token");
                }
                case CREDS -> {
                    auth = ConnectionSettings.Auth.CREDS;
                    creds = existing(expandPath(decided.creds, decided.credsName), decided.credsName);
                }
                case NKEY -> {
                    auth = ConnectionSettings.Auth.NKEY;
                    nkey = existing(expandPath(decided.nkey, decided.nkeyName), decided.nkeyName);
                }
                default -> throw new IllegalStateException("unexpected method " + decided.method());
            }
        } else if (passwordRaw != null) {
            throw CliException.usage("a password was given ("
                    + (flags.password() != null
                            ? "--password"
                            : env.get("NATS_PASSWORD").isPresent() ? "NATS_PASSWORD" : ctxDesc + " field password")
                    + ") but no user; add --user (or NATS_USER)");
        } else if (ctxValue(ctx, "user_jwt") != null) {
            if (ctxValue(ctx, "user_seed") == null) {
                throw CliException.usage(ctxDesc + " has user_jwt but no user_seed; add the seed or use a creds file");
            }
            auth = ConnectionSettings.Auth.JWT;
            jwt = secret(ctxValue(ctx, "user_jwt"), "user_jwt");
            seed = secret(ctxValue(ctx, "user_seed"), "user_seed");
        }

        Path cert = path(first(flags.tlsCert(), env.getOrNull("NATS_CERT"), ctxValue(ctx, "cert"), null), "tlscert");
        Path key = path(first(flags.tlsKey(), env.getOrNull("NATS_KEY"), ctxValue(ctx, "key"), null), "tlskey");
        Path ca = path(first(flags.tlsCa(), env.getOrNull("NATS_CA"), ctxValue(ctx, "ca"), null), "tlsca");
        if ((cert == null) != (key == null)) {
            throw CliException.usage(
                    cert != null
                            ? "a client certificate was given (" + cert
                                    + ") without its key; add --tlskey (or NATS_KEY)"
                            : "a client key was given (" + key
                                    + ") without its certificate; add --tlscert (or NATS_CERT)");
        }
        boolean tlsFirst = flags.tlsFirst() != null ? flags.tlsFirst() : ctxValue(ctx, "tls_first") != null;
        String domain = first(flags.jsDomain(), ctxValue(ctx, "jetstream_domain"), null, null);
        String apiPrefix = ctxValue(ctx, "jetstream_api_prefix");
        if (domain != null && apiPrefix != null) {
            throw CliException.usage("both a JetStream domain (" + domain + ") and an API prefix (" + apiPrefix
                    + ") are set; they are alternatives: drop jetstream_api_prefix from " + ctxDesc
                    + " or the domain");
        }
        String source = ctx.map(c -> "context '" + c.name() + "'")
                .orElse(
                        flags.server() != null
                                ? "--server"
                                : env.get("NATS_URL").isPresent() ? "NATS_URL" : "default");
        return new ConnectionSettings(
                url,
                auth,
                user,
                password,
                token,
                creds,
                nkey,
                jwt,
                seed,
                cert,
                key,
                ca,
                tlsFirst,
                timeout,
                domain,
                apiPrefix,
                ctxValue(ctx, "inbox_prefix"),
                source);
    }

    private static @Nullable String ctxValue(Optional<NatsContext> ctx, String field) {
        return ctx.flatMap(c -> c.get(field)).orElse(null);
    }

    private static @Nullable String first(
            @Nullable String a, @Nullable String b, @Nullable String c, @Nullable String d) {
        return a != null && !a.isEmpty() ? a : b != null && !b.isEmpty() ? b : c != null && !c.isEmpty() ? c : d;
    }

    /**
     * Resolves a secret: literal, {@code env://NAME}, {@code file://PATH} (trailing newline dropped) or {@code
     * data:[type][;base64],DATA}.
     *
     * @throws CliException (exit 3) when the variable is unset or the file missing; (exit 2) for malformed data
     */
    public String secret(String value, String what) {
        if (value.startsWith("env://")) {
            String name = value.substring("env://".length());
            return env.get(name)
                    .orElseThrow(() -> CliException.unavailable(
                            what + " is env://" + name + " but the environment variable " + name + " is not set;"
                                    + " export it or change the value",
                            null));
        }
        if (value.startsWith("file://")) {
            Path file = expandPath(value.substring("file://".length()), what);
            try {
                return Files.readString(file).replaceFirst("\\r?\\n$", "");
            } catch (IOException e) {
                throw CliException.unavailable(
                        what + " is file://" + file + " but the file cannot be read (" + e.getMessage()
                                + "); create it or change the value",
                        e);
            }
        }
        if (value.startsWith("data:")) {
            int comma = value.indexOf(',');
            if (comma < 0) {
                throw CliException.usage(
                        what + " is a data: URL without ','; write data:;base64,<base64> or" + " data:,<text>");
            }
            String meta = value.substring(5, comma);
            String data = value.substring(comma + 1);
            if (meta.endsWith(";base64")) {
                try {
                    return new String(Base64.getDecoder().decode(data.trim()), StandardCharsets.UTF_8)
                            .replaceFirst("\\r?\\n$", "");
                } catch (IllegalArgumentException e) {
                    throw new CliException(
                            ExitCodes.USAGE,
                            what + " is a data:;base64 URL whose data is not base64 (" + e.getMessage()
                                    + "); encode it with `base64 -w0`",
                            e);
                }
            }
            return java.net.URLDecoder.decode(data, StandardCharsets.UTF_8);
        }
        return value;
    }

    /** Expands {@code ~} and {@code $VAR}/{@code ${VAR}} in a path. */
    public Path expandPath(String value, String what) {
        String v = value;
        if (v.equals("~") || v.startsWith("~/")) {
            v = env.home() + v.substring(1);
        }
        Matcher m = VAR.matcher(v);
        StringBuilder sb = new StringBuilder();
        List<String> missing = new ArrayList<>();
        while (m.find()) {
            String name = m.group(1) != null ? m.group(1) : m.group(2);
            String replacement = env.getOrNull(name);
            if (replacement == null) {
                missing.add(name);
                replacement = "";
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(sb);
        if (!missing.isEmpty()) {
            throw CliException.unavailable(
                    what + " path '" + value + "' uses "
                            + String.join(
                                    ", ", missing.stream().map(n -> "$" + n).toList())
                            + ", which is not set; export it or write the path out",
                    null);
        }
        return Path.of(sb.toString());
    }

    private @Nullable Path path(@Nullable String value, String what) {
        return value == null ? null : existing(expandPath(value, what), what);
    }

    private static Path existing(Path p, String what) {
        if (!Files.isReadable(p)) {
            throw CliException.unavailable(
                    what + " file " + p + " does not exist or cannot be read; check the path", null);
        }
        return p;
    }

    private enum Method {
        USER,
        TOKEN,
        CREDS,
        NKEY
    }

    /** The authentication values one level (flags, environment, context) names. */
    private static final class Level {
        final String name;
        final @Nullable String user;
        final @Nullable String token;
        final @Nullable String creds;
        final @Nullable String nkey;
        final String userName;
        final String tokenName;
        final String credsName;
        final String nkeyName;

        Level(
                String name,
                @Nullable String user,
                @Nullable String token,
                @Nullable String creds,
                @Nullable String nkey,
                String userName,
                String tokenName,
                String credsName,
                String nkeyName) {
            this.name = name;
            this.user = user;
            this.token = token;
            this.creds = creds;
            this.nkey = nkey;
            this.userName = userName;
            this.tokenName = tokenName;
            this.credsName = credsName;
            this.nkeyName = nkeyName;
        }

        @Nullable
        Method method() {
            List<String> given = new ArrayList<>();
            Method m = null;
            if (user != null) {
                given.add(userName);
                m = Method.USER;
            }
            if (token != null) {
                given.add(tokenName);
                m = m == null ? Method.TOKEN : m;
            }
            if (creds != null) {
                given.add(credsName);
                m = m == null ? Method.CREDS : m;
            }
            if (nkey != null) {
                given.add(nkeyName);
                m = m == null ? Method.NKEY : m;
            }
            if (given.size() > 1) {
                throw CliException.usage("the " + name + " give" + (name.equals("flags") ? "" : "s") + " more than"
                        + " one way to authenticate (" + String.join(", ", given) + "); keep one of them");
            }
            return m;
        }
    }
}
