package dev.davit.dav;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Names in the {@code .history} tree: a commit folder is {@code <yyyy-mm-dd HHmm> <short id> <message>},
 * a version of a file {@code <yyyy-mm-dd HHmm> <short id> <name>} (times in UTC, so names never depend on
 * the server's zone). Only the short id is read back; the rest is for people, so it is cut and cleaned to
 * be a valid file name on every desktop.
 */
final class HistoryNames {
    static final String ROOT = ".history";
    static final String BY_PATH = "by-path";
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd HHmm").withZone(ZoneOffset.UTC);
    private static final int MAX_MESSAGE_CHARS = 60;

    private HistoryNames() {
    }

    static String commitFolder(Instant when, String shortId, String message) {
        String m = sanitise(firstLine(message));
        return DATE.format(when) + " " + shortId + (m.isEmpty() ? "" : " " + m);
    }

    static String version(Instant when, String shortId, String fileName) {
        return DATE.format(when) + " " + shortId + " " + fileName;
    }

    /** The short commit id a commit folder or version name carries, or null when it is not such a name. */
    static String shortId(String name) {
        String[] t = name.split(" ", 4);
        if (t.length < 3 || !t[0].matches("\\d{4}-\\d{2}-\\d{2}") || !t[1].matches("\\d{4}") || !t[2].matches("[0-9a-f]{7,40}")) {
            return null;
        }
        return t[2];
    }

    private static String firstLine(String message) {
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }

    /**
     * Characters Windows, macOS or Linux refuse in a name become '_', control characters go; no trailing
     * dot or space (Windows drops them); at most {@value #MAX_MESSAGE_CHARS} characters.
     */
    static String sanitise(String s) {
        StringBuilder sb = new StringBuilder();
        s.codePoints().forEach(c -> {
            if (c < 0x20 || c == 0x7f) {
                sb.append(' ');
            } else if ("/\\:*?\"<>|%".indexOf(c) >= 0) {
                sb.append('_');
            } else {
                sb.appendCodePoint(c);
            }
        });
        String out = sb.toString().replaceAll("\\s+", " ").trim();
        if (out.codePointCount(0, out.length()) > MAX_MESSAGE_CHARS) {
            out = out.substring(0, out.offsetByCodePoints(0, MAX_MESSAGE_CHARS)).trim();
        }
        while (out.endsWith(".") || out.endsWith(" ")) {
            out = out.substring(0, out.length() - 1);
        }
        return out;
    }
}
