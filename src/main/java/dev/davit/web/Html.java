package dev.davit.web;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** Escaping and URL pieces for the server-rendered pages: every text from a repository goes through {@link #text}. */
final class Html {
    private Html() {
    }

    static String text(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    /** One path segment, percent-encoded (spaces as %20, never '+'). */
    static String segment(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** Decodes one raw path segment; a '+' stays a '+' (it is not a space in a path). */
    static String decode(String raw) {
        return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    static String page(String title, String body) {
        return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + text(title) + "</title>\n"
                + "<style>body{font-family:sans-serif;margin:2em}td,th{padding:.2em .8em;text-align:left}"
                + "pre.diff{background:#f6f8fa;padding:1em}.add{color:#116329}.del{color:#82071e}.hunk{color:#6e7781}</style>"
                + "</head><body>\n" + body + "</body></html>\n";
    }
}
