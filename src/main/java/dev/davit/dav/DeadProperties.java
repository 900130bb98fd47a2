package dev.davit.dav;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * The dead properties of one resource: each property kept as the exact XML element a client set,
 * namespaces and mixed content included (RFC 4918 §4.3). Stored in the repository as one small XML
 * document beside the resource, so the properties are versioned with the content.
 */
final class DeadProperties {
    private static final String STORE_NS = "urn:davit:properties";

    private final Map<PropertyName, String> values;

    private DeadProperties(Map<PropertyName, String> values) {
        this.values = values;
    }

    static DeadProperties empty() {
        return new DeadProperties(new LinkedHashMap<>());
    }

    static DeadProperties parse(byte[] stored) {
        Document doc = Xml.parse(stored);
        Map<PropertyName, String> values = new LinkedHashMap<>();
        for (Element e : Xml.children(doc.getDocumentElement())) {
            values.put(nameOf(e), Xml.serialize(e));
        }
        return new DeadProperties(values);
    }

    static PropertyName nameOf(Element e) {
        return new PropertyName(e.getNamespaceURI() == null ? "" : e.getNamespaceURI(), e.getLocalName());
    }

    Map<PropertyName, String> values() {
        return Collections.unmodifiableMap(values);
    }

    String get(PropertyName name) {
        return values.get(name);
    }

    DeadProperties copy() {
        return new DeadProperties(new LinkedHashMap<>(values));
    }

    void set(PropertyName name, String elementXml) {
        values.put(name, elementXml);
    }

    void remove(PropertyName name) {
        values.remove(name);
    }

    boolean isEmpty() {
        return values.isEmpty();
    }

    /** The stored form; null when there is nothing to store (the sidecar is removed). */
    byte[] toBytes() {
        if (values.isEmpty()) {
            return null;
        }
        StringBuilder sb = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<properties xmlns=\"" + STORE_NS + "\">\n");
        for (String v : values.values()) {
            sb.append(v).append('\n');
        }
        sb.append("</properties>\n");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DeadProperties d && d.values.equals(values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }
}
