package dev.davit.rest;

import java.io.IOException;
import java.util.Base64;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The one JSON mapper of the REST API, and the base64 GitHub uses for file content. */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();
    /** Writes the members of every object sorted by name: one spelling of a JSON value. */
    private static final ObjectMapper SORTED = new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    private Json() {
    }

    static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    static ArrayNode array() {
        return MAPPER.createArrayNode();
    }

    static byte[] bytes(Object node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of JSON nodes always serializes", e);
        }
    }

    /**
     * Parses a request body. GitHub answers 400 "Problems parsing JSON" to a body that is not JSON, and
     * the same to one that is not an object.
     */
    static ObjectNode parseObject(byte[] body) {
        JsonNode n;
        try {
            n = body.length == 0 ? null : MAPPER.readTree(body);
        } catch (IOException e) {
            throw RestProblem.badJson();
        }
        if (!(n instanceof ObjectNode o)) {
            throw RestProblem.badJson();
        }
        return o;
    }

    /**
     * One spelling of the same JSON value (members sorted by name, no insignificant white space), so that
     * {@code {"a":1,"b":2}} and {@code { "b": 2, "a": 1 }} compare equal (RFC 8259 §4: members are
     * unordered). A body that is not JSON is returned as it is.
     */
    static byte[] canonical(byte[] body) {
        if (body.length == 0) {
            return body;
        }
        try {
            // As plain maps and lists: ORDER_MAP_ENTRIES_BY_KEYS sorts maps, not tree nodes.
            return SORTED.writeValueAsBytes(MAPPER.readValue(body, Object.class));
        } catch (IOException e) {
            return body;
        }
    }

    /** GitHub sends file content as base64 in lines of 60 characters, each ended by a newline. */
    static String base64(byte[] bytes) {
        if (bytes.length == 0) {
            return "";
        }
        return Base64.getMimeEncoder(60, new byte[] {'\n'}).encodeToString(bytes) + "\n";
    }

    /** Decodes base64 content, tolerating line breaks (as GitHub does); null when it is not base64. */
    static byte[] unbase64(String text) {
        try {
            // Not the MIME decoder: it skips characters outside the alphabet, so "@@@" would be an empty file.
            return Base64.getDecoder().decode(text.replaceAll("[\\r\\n\\t ]", ""));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** A string field, or null when absent or JSON null; a field of another type is a 422. */
    static String string(ObjectNode o, String field) {
        JsonNode n = o.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual()) {
            throw RestProblem.invalid("\"" + field + "\" is not a string.");
        }
        return n.asText();
    }
}
