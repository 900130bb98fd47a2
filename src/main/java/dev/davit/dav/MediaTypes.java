package dev.davit.dav;

import java.net.URLConnection;
import java.util.Locale;
import java.util.Map;

/** A file's media type, guessed from its name (git stores no types). */
final class MediaTypes {
    private static final Map<String, String> EXTRA = Map.ofEntries(
            Map.entry("md", "text/markdown"), Map.entry("json", "application/json"), Map.entry("js", "text/javascript"),
            Map.entry("css", "text/css"), Map.entry("svg", "image/svg+xml"), Map.entry("pdf", "application/pdf"),
            Map.entry("yaml", "application/yaml"), Map.entry("yml", "application/yaml"), Map.entry("csv", "text/csv"),
            Map.entry("java", "text/x-java"), Map.entry("py", "text/x-python"), Map.entry("sh", "application/x-sh"),
            Map.entry("zip", "application/zip"), Map.entry("gz", "application/gzip"), Map.entry("webp", "image/webp"),
            Map.entry("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            Map.entry("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"));

    private MediaTypes() {
    }

    static String of(String name) {
        int dot = name.lastIndexOf('.');
        if (dot >= 0) {
            String t = EXTRA.get(name.substring(dot + 1).toLowerCase(Locale.ROOT));
            if (t != null) {
                return t;
            }
        }
        String guess = URLConnection.guessContentTypeFromName(name);
        return guess != null ? guess : "application/octet-stream";
    }
}
