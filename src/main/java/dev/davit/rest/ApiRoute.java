package dev.davit.rest;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code /api/repos/{owner}/{repo}/{rest...}} read from the raw request URI, each segment percent-decoded
 * as strict UTF-8 (the decoded URI would turn an encoded {@code %2F} into a separator). {@code rest} is
 * what follows the repository: {@code contents, docs, a.txt}.
 */
record ApiRoute(String owner, String repo, List<String> rest) {
    /**
     * {@code /api/v3/...} is {@code /api/...}: GitHub Enterprise serves its API under {@code /api/v3}, and
     * CLIs and libraries given a host other than github.com build their URLs that way.
     */
    static String unaliased(String rawUri) {
        if (rawUri.equals("/api/v3") || rawUri.startsWith("/api/v3/")) {
            return "/api" + rawUri.substring("/api/v3".length());
        }
        return rawUri;
    }

    /** Null when the URI is not under a repository (the caller answers 404). */
    static ApiRoute parse(String rawUri) {
        rawUri = unaliased(rawUri);
        String prefix = "/api/repos/";
        if (!rawUri.startsWith(prefix)) {
            return null;
        }
        String[] raw = rawUri.substring(prefix.length()).split("/", -1);
        if (raw.length < 2) {
            return null;
        }
        List<String> segs = new ArrayList<>(raw.length);
        for (String r : raw) {
            String d = decode(r);
            if (d == null) {
                throw new RestProblem(400, "malformed percent-encoding or UTF-8 in the URL");
            }
            segs.add(d);
        }
        List<String> rest = new ArrayList<>(segs.subList(2, segs.size()));
        // A trailing slash (contents/docs/) names the same thing as without it.
        if (!rest.isEmpty() && rest.get(rest.size() - 1).isEmpty()) {
            rest.remove(rest.size() - 1);
        }
        return new ApiRoute(segs.get(0), segs.get(1), List.copyOf(rest));
    }

    /** The segments from {@code from} on, joined by '/' (a ref such as {@code feature/x} spans segments). */
    String tail(int from) {
        return String.join("/", rest.subList(from, rest.size()));
    }

    static String decode(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= s.length()) {
                    return null;
                }
                int hi = Character.digit(s.charAt(i + 1), 16);
                int lo = Character.digit(s.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    return null;
                }
                out.write(hi * 16 + lo);
                i += 2;
            } else {
                out.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(out.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
