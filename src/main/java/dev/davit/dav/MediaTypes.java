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

    /**
     * Answers by extension, remembered: the JDK's guess goes through a synchronized table and was a visible
     * part of a small GET. Bounded, since names (and so extensions) come from clients.
     */
    private static final java.util.concurrent.ConcurrentHashMap<String, String> BY_EXTENSION = new java.util.concurrent.ConcurrentHashMap<>();
    private static final int MAX_REMEMBERED = 1_000;

    static String of(String name) {
        int dot = name.lastIndexOf('.');
        String ext = dot >= 0 ? name.substring(dot + 1).toLowerCase(Locale.ROOT) : "";
        String known = BY_EXTENSION.get(ext);
        if (known != null) {
            return known;
        }
        String t = EXTRA.get(ext);
        if (t == null) {
            String guess = dot >= 0 ? URLConnection.guessContentTypeFromName("x." + ext) : null;
            t = guess != null ? guess : "application/octet-stream";
        }
        if (BY_EXTENSION.size() < MAX_REMEMBERED) {
            BY_EXTENSION.put(ext, t);
        }
        return t;
    }
}
