package dev.davit.dav;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

import dev.davit.storage.InvalidPathException;

/** Percent-encoding of path segments, strict on the way in (RFC 3986 §2.1, UTF-8 only). */
final class UrlCodec {
    private UrlCodec() {
    }

    /**
     * Decodes one segment. Invalid escapes and byte sequences that are not UTF-8 (overlong forms
     * included) are refused. Characters above U+00FF are taken as they are; a header that carried raw
     * UTF-8 bytes arrives as Latin-1 characters and is re-read as UTF-8.
     */
    static String decode(String s) throws InvalidPathException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(s.length());
        boolean wide = s.chars().anyMatch(c -> c > 0xFF);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= s.length() || Character.digit(s.charAt(i + 1), 16) < 0 || Character.digit(s.charAt(i + 2), 16) < 0) {
                    throw malformed("invalid percent escape in '" + s + "'");
                }
                bytes.write(Character.digit(s.charAt(i + 1), 16) * 16 + Character.digit(s.charAt(i + 2), 16));
                i += 2;
            } else if (wide && c > 0x7F) {
                byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                if (Character.isHighSurrogate(c) && i + 1 < s.length()) {
                    b = s.substring(i, i + 2).getBytes(StandardCharsets.UTF_8);
                    i++;
                }
                bytes.writeBytes(b);
            } else {
                bytes.write(c);
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            throw malformed("path is not valid UTF-8");
        }
    }

    /** Encodes one segment: everything but RFC 3986 unreserved characters is escaped. */
    static String encode(String segment) {
        if (isUnreserved(segment)) {
            return segment; // the common case, without a byte array and a builder per name
        }
        StringBuilder sb = new StringBuilder(segment.length() + 8);
        for (byte b : segment.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xFF;
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~') {
                sb.append((char) c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
            }
        }
        return sb.toString();
    }

    private static boolean isUnreserved(String segment) {
        for (int i = 0; i < segment.length(); i++) {
            char c = segment.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~')) {
                return false;
            }
        }
        return true;
    }

    private static InvalidPathException malformed(String message) {
        return new InvalidPathException(InvalidPathException.Reason.MALFORMED, message);
    }
}
