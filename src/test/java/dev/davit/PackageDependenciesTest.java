package dev.davit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The packages are the architecture, and their dependencies point one way (README: Layout):
 * {@code server → cluster, dav, rest, githttp, web → auth, lock, metrics, storage.history → storage →
 * storage.log, storage.maintenance → storage.objects → storage.disk}; auth and storage.maintenance also use os
 * (threads of a lower priority), which uses nothing of Davit's. Read from the sources: every
 * {@code dev.davit.…} name a file uses outside comments and strings (imports and fully qualified names).
 */
class PackageDependenciesTest {
    private static final Set<String> FRONT_END = Set.of("auth", "lock", "metrics", "storage", "storage.history", "storage.disk");
    private static final Map<String, Set<String>> ALLOWED = Map.ofEntries(
            Map.entry("server", Set.of("os", "config", "cluster", "dav", "rest", "githttp", "web", "auth", "lock", "metrics", "storage",
                    "storage.history", "storage.disk")),
            Map.entry("cluster", Set.of("config", "lock", "storage", "storage.log", "storage.disk")),
            Map.entry("config", Set.of("auth", "storage")),
            Map.entry("dav", FRONT_END),
            Map.entry("rest", FRONT_END),
            Map.entry("githttp", FRONT_END),
            Map.entry("web", FRONT_END),
            Map.entry("auth", Set.of("os")),
            Map.entry("lock", Set.of()),
            Map.entry("metrics", Set.of()),
            Map.entry("storage.history", Set.of("storage", "storage.objects", "storage.disk")),
            Map.entry("storage", Set.of("storage.log", "storage.maintenance", "storage.objects", "storage.disk")),
            Map.entry("storage.log", Set.of("storage.objects", "storage.disk")),
            Map.entry("storage.maintenance", Set.of("storage.objects", "storage.disk", "os")),
            Map.entry("storage.objects", Set.of("storage.disk")),
            Map.entry("storage.disk", Set.of()),
            Map.entry("os", Set.of()));

    private static final Pattern NOISE = Pattern.compile("//[^\\n]*|/\\*.*?\\*/|\"(?:\\\\.|[^\"\\\\\\n])*\"", Pattern.DOTALL);
    private static final Pattern PACKAGE = Pattern.compile("^package dev\\.davit\\.([a-z.]+);", Pattern.MULTILINE);
    private static final Pattern USE = Pattern.compile("\\bdev\\.davit\\.([a-z.]+?)\\.[A-Z]");

    @Test
    void everyPackageDependsOnlyOnTheLayersBelowIt() throws IOException {
        Set<String> violations = new TreeSet<>();
        Set<String> seen = new TreeSet<>();
        List<Path> sources;
        try (Stream<Path> s = Files.walk(Path.of("src/main/java/dev/davit"))) {
            sources = s.filter(p -> p.toString().endsWith(".java")).toList();
        }
        assertThat(sources).as("the sources are found from the project folder").hasSizeGreaterThan(100);
        for (Path p : sources) {
            String text = NOISE.matcher(Files.readString(p)).replaceAll(" ");
            Matcher pm = PACKAGE.matcher(text);
            if (!pm.find()) {
                continue; // dev.davit itself has no classes
            }
            String from = pm.group(1);
            assertThat(ALLOWED).as("package dev.davit." + from + " (" + p + ") has a place in the layering").containsKey(from);
            Matcher m = USE.matcher(text);
            while (m.find()) {
                String to = m.group(1);
                if (to.equals(from)) {
                    continue;
                }
                seen.add(from + " -> " + to);
                if (!ALLOWED.get(from).contains(to)) {
                    violations.add(p + ": dev.davit." + from + " uses dev.davit." + to);
                }
            }
        }
        assertThat(violations).as("dependencies against the arrow (edges seen: " + seen + ")").isEmpty();
        assertThat(seen).as("the check reads real dependencies").contains("storage -> storage.log", "dav -> storage");
    }
}
