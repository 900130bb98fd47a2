package dev.davit.testutil;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.xml.parsers.DocumentBuilderFactory;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * A parsed 207 Multi-Status body (RFC 4918 §13): for each {@code D:response} its href (as sent and
 * percent-decoded) and, per property {@code {ns}local}, the status of its propstat and its element.
 */
public final class MultiStatus {
    public static final String DAV = "DAV:";

    /** One property in one propstat. */
    public record Prop(Element element, int status) {
        public String text() {
            return element.getTextContent();
        }
    }

    /** One {@code D:response}. */
    public record Resource(String href, String path, Map<String, Prop> props) {
        /** The property {@code {DAV:}name} (or any {@code {ns}local} key), or null. */
        public Prop prop(String key) {
            return props.get(key.startsWith("{") ? key : "{" + DAV + "}" + key);
        }

        /** The text of a DAV: property found with status 200, or null. */
        public String text(String davName) {
            Prop p = prop(davName);
            return p == null || p.status() != 200 ? null : p.text();
        }

        public boolean isCollection() {
            Prop p = prop("resourcetype");
            return p != null && child(p.element(), DAV, "collection") != null;
        }
    }

    private final Map<String, Resource> byPath = new LinkedHashMap<>();

    private MultiStatus(Document doc) {
        Element root = doc.getDocumentElement();
        if (!DAV.equals(root.getNamespaceURI()) || !"multistatus".equals(root.getLocalName())) {
            throw new IllegalArgumentException("not a DAV:multistatus: " + root.getTagName());
        }
        for (Element r : children(root, DAV, "response")) {
            String href = child(r, DAV, "href").getTextContent().trim();
            Map<String, Prop> props = new LinkedHashMap<>();
            for (Element ps : children(r, DAV, "propstat")) {
                int status = parseStatus(child(ps, DAV, "status").getTextContent());
                Element prop = child(ps, DAV, "prop");
                for (Element p : children(prop)) {
                    props.put("{" + (p.getNamespaceURI() == null ? "" : p.getNamespaceURI()) + "}" + p.getLocalName(), new Prop(p, status));
                }
            }
            String path = percentDecode(href);
            byPath.put(path, new Resource(href, path, props));
        }
    }

    public static MultiStatus parse(String body) {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            Document doc = f.newDocumentBuilder().parse(new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)));
            return new MultiStatus(doc);
        } catch (Exception e) {
            throw new IllegalArgumentException("cannot parse multistatus: " + e + "\n" + body, e);
        }
    }

    /** Decoded paths of all responses, e.g. {@code /dav/demo/sample/docs/}. */
    public List<String> paths() {
        return new ArrayList<>(byPath.keySet());
    }

    public List<String> hrefs() {
        return byPath.values().stream().map(Resource::href).toList();
    }

    /** The response for a decoded path relative to {@code /dav/demo/sample/} ("" for the root), or null. */
    public Resource get(String relative) {
        return byPath.get("/dav/demo/sample/" + relative);
    }

    public List<Resource> resources() {
        return new ArrayList<>(byPath.values());
    }

    static int parseStatus(String line) {
        String[] parts = line.trim().split(" ");
        return Integer.parseInt(parts[1]);
    }

    /** Strict percent decoding as UTF-8 ('+' stays '+'). */
    public static String percentDecode(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] in = s.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < in.length; i++) {
            if (in[i] == '%') {
                out.write(Integer.parseInt(new String(in, i + 1, 2, StandardCharsets.US_ASCII), 16));
                i += 2;
            } else {
                out.write(in[i]);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    public static List<Element> children(Element parent) {
        List<Element> out = new ArrayList<>();
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e) {
                out.add(e);
            }
        }
        return out;
    }

    public static List<Element> children(Element parent, String ns, String local) {
        return children(parent).stream().filter(e -> ns.equals(e.getNamespaceURI()) && local.equals(e.getLocalName())).toList();
    }

    public static Element child(Element parent, String ns, String local) {
        List<Element> l = children(parent, ns, local);
        return l.isEmpty() ? null : l.get(0);
    }

    /** Parses any XML body namespace-aware (for DAV:error bodies). */
    public static Document xml(String body) {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            return f.newDocumentBuilder().parse(new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalArgumentException("cannot parse XML: " + e + "\n" + body, e);
        }
    }
}
