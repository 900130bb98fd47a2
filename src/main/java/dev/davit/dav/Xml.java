package dev.davit.dav;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;

import org.w3c.dom.Attr;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;
import org.xml.sax.SAXException;

/** XML in and out: a hardened parser (no DOCTYPE, no entities: XXE and entity expansion are refused). */
final class Xml {
    static final String DAV = "DAV:";

    private Xml() {
    }

    /** Parses a request body; any malformed or DOCTYPE-carrying document is a 400. */
    /**
     * One configured parser per thread: looking up and configuring a factory per request (a service-loader
     * search) cost more than parsing a PROPFIND body. DocumentBuilder is not thread-safe, hence per thread.
     */
    private static final ThreadLocal<DocumentBuilder> BUILDERS = ThreadLocal.withInitial(Xml::newBuilder);

    private static DocumentBuilder newBuilder() {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setFeature("http://xml.org/sax/features/external-general-entities", false);
            f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
            f.setXIncludeAware(false);
            f.setExpandEntityReferences(false);
            DocumentBuilder b = f.newDocumentBuilder();
            b.setErrorHandler(null);
            return b;
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException("XML parser setup failed", e);
        }
    }

    static Document parse(byte[] body) {
        DocumentBuilder b = BUILDERS.get();
        try {
            b.reset(); // back to the configuration above, whatever the last document did
            b.setErrorHandler(null);
            Document doc = b.parse(new ByteArrayInputStream(body));
            requireNamespaceWellFormed(doc.getDocumentElement());
            return doc;
        } catch (SAXException e) {
            throw DavProblem.badRequest("malformed XML body: " + e.getMessage());
        } catch (IOException e) {
            // Reading a byte array fails only on the document itself, e.g. encoding="utf-9" (Jazzer found it).
            throw DavProblem.badRequest("unreadable XML body: " + e.getMessage());
        }
    }

    /**
     * Refuses names the namespace rules do not allow but the parser lets through (an attribute named
     * {@code :x} or {@code :xmlns}): a dead property must be stored as XML that parses again to itself
     * (found by Jazzer; RFC 4918 §17 asks for namespace-well-formed bodies).
     */
    private static void requireNamespaceWellFormed(Element e) {
        if (!isQName(e.getNodeName(), e.getPrefix(), e.getLocalName())) {
            throw DavProblem.badRequest("malformed XML body: element name '" + e.getNodeName() + "' is not namespace-well-formed");
        }
        NamedNodeMap attrs = e.getAttributes();
        for (int i = 0; i < attrs.getLength(); i++) {
            Attr a = (Attr) attrs.item(i);
            if (XMLConstants.XMLNS_ATTRIBUTE_NS_URI.equals(a.getNamespaceURI())) {
                continue;
            }
            String ns = a.getNamespaceURI();
            if (!isQName(a.getName(), a.getPrefix(), a.getLocalName()) || (ns == null || ns.isEmpty()) && a.getName().contains(":")
                    || (ns == null || ns.isEmpty()) && a.getLocalName().equals("xmlns")) {
                throw DavProblem.badRequest("malformed XML body: attribute name '" + a.getName() + "' is not namespace-well-formed");
            }
        }
        for (Element child : children(e)) {
            requireNamespaceWellFormed(child);
        }
    }

    /** The name as written is {@code prefix:local} or {@code local}, each part an NCName. */
    private static boolean isQName(String written, String prefix, String local) {
        if (!isNcName(local) || prefix != null && !isNcName(prefix)) {
            return false;
        }
        return written.equals(prefix == null ? local : prefix + ":" + local);
    }

    /**
     * An XML NCName (Namespaces in XML §3), a little stricter than the letter of XML 1.0's name ranges:
     * a letter or '_' first, then letters, digits, '.', '-', '_' and combining marks.
     */
    private static boolean isNcName(String name) {
        if (name == null || name.isEmpty()) {
            return false;
        }
        int first = name.codePointAt(0);
        if (!(Character.isLetter(first) || first == '_')) {
            return false;
        }
        for (int i = Character.charCount(first); i < name.length(); ) {
            int c = name.codePointAt(i);
            int type = Character.getType(c);
            boolean ok = Character.isLetterOrDigit(c) || c == '.' || c == '-' || c == '_' || c == 0xB7
                    || type == Character.NON_SPACING_MARK || type == Character.COMBINING_SPACING_MARK
                    || type == Character.ENCLOSING_MARK || type == Character.CONNECTOR_PUNCTUATION;
            if (!ok) {
                return false;
            }
            i += Character.charCount(c);
        }
        return true;
    }

    static boolean is(Node n, String ns, String local) {
        return n instanceof Element e && ns.equals(e.getNamespaceURI()) && local.equals(e.getLocalName());
    }

    static List<Element> children(Element parent) {
        List<Element> out = new ArrayList<>();
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e) {
                out.add(e);
            }
        }
        return out;
    }

    static Element child(Element parent, String ns, String local) {
        for (Element e : children(parent)) {
            if (is(e, ns, local)) {
                return e;
            }
        }
        return null;
    }

    /** Escapes character data. Carriage returns are kept as references so they survive a round trip. */
    static String text(String s) {
        int i0 = 0;
        // Nearly every href, etag and name has nothing to escape: one scan, no copy (PROPFIND calls this per member).
        while (i0 < s.length()) {
            char c = s.charAt(i0);
            if (c == '&' || c == '<' || c == '>' || c == '\r') {
                break;
            }
            i0++;
        }
        if (i0 == s.length()) {
            return s;
        }
        StringBuilder sb = null;
        for (int i = i0; i < s.length(); i++) { // nothing before i0 needs escaping
            char c = s.charAt(i);
            String rep = switch (c) {
                case '&' -> "&amp;";
                case '<' -> "&lt;";
                case '>' -> "&gt;";
                case '\r' -> "&#13;";
                default -> null;
            };
            if (rep != null) {
                if (sb == null) {
                    sb = new StringBuilder(s.length() + 16).append(s, 0, i);
                }
                sb.append(rep);
            } else if (sb != null) {
                sb.append(c);
            }
        }
        return sb == null ? s : sb.toString();
    }

    static String attr(String s) {
        return text(s).replace("\"", "&quot;").replace("\n", "&#10;").replace("\t", "&#9;");
    }

    /**
     * Writes an element and everything in it as a self-contained fragment: every namespace it uses is
     * declared on it, whatever the surrounding document declares, so the fragment can be stored on its
     * own and dropped into any response (litmus props: propvalnspace, propwformed, propmanyns).
     */
    static String serialize(Element e) {
        StringBuilder sb = new StringBuilder();
        write(e, sb, new HashMap<>(), true);
        return sb.toString();
    }

    private static void write(Element e, StringBuilder sb, Map<String, String> scope, boolean top) {
        Map<String, String> mine = new HashMap<>(scope);
        StringBuilder decls = new StringBuilder();
        String ns = e.getNamespaceURI() == null ? "" : e.getNamespaceURI();
        String prefix = e.getPrefix();
        if (ns.isEmpty()) {
            prefix = null;
        }
        String key = prefix == null ? "" : prefix;
        if (top || !ns.equals(mine.get(key))) {
            if (!(ns.isEmpty() && !top && mine.get(key) == null)) {
                decls.append(' ').append(key.isEmpty() ? "xmlns" : "xmlns:" + key).append("=\"").append(attr(ns)).append('"');
            }
            mine.put(key, ns);
        }
        if (top && !key.isEmpty()) {
            // Children in no namespace must not inherit the default namespace of wherever the fragment is
            // stored or sent (the sidecar document has one): pin it to none.
            decls.append(" xmlns=\"\"");
            mine.put("", "");
        }
        String qname = prefix == null ? e.getLocalName() : prefix + ":" + e.getLocalName();
        StringBuilder attrs = new StringBuilder();
        NamedNodeMap am = e.getAttributes();
        int generated = 0;
        for (int i = 0; i < am.getLength(); i++) {
            Attr a = (Attr) am.item(i);
            if (XMLConstants.XMLNS_ATTRIBUTE_NS_URI.equals(a.getNamespaceURI())) {
                continue;
            }
            String ans = a.getNamespaceURI();
            String aname = a.getLocalName() == null ? a.getName() : a.getLocalName();
            if (ans == null || ans.isEmpty()) {
                attrs.append(' ').append(aname);
            } else if (XMLConstants.XML_NS_URI.equals(ans)) {
                attrs.append(" xml:").append(aname);
            } else {
                String ap = a.getPrefix();
                if (ap == null || ap.isEmpty() || (mine.containsKey(ap) && !ans.equals(mine.get(ap)))) {
                    // A fresh prefix that nothing in scope uses (not even this element's own).
                    do {
                        ap = "a" + (generated++);
                    } while (mine.containsKey(ap) || ap.equals(key));
                }
                if (!ans.equals(mine.get(ap))) {
                    decls.append(" xmlns:").append(ap).append("=\"").append(attr(ans)).append('"');
                    mine.put(ap, ans);
                }
                attrs.append(' ').append(ap).append(':').append(aname);
            }
            attrs.append("=\"").append(attr(a.getValue())).append('"');
        }
        sb.append('<').append(qname).append(decls).append(attrs);
        if (e.getFirstChild() == null) {
            sb.append("/>");
            return;
        }
        sb.append('>');
        for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
            switch (n.getNodeType()) {
                case Node.ELEMENT_NODE -> write((Element) n, sb, mine, false);
                case Node.TEXT_NODE, Node.CDATA_SECTION_NODE -> sb.append(text(n.getNodeValue()));
                default -> {
                    // Comments and processing instructions are not part of a property's value.
                }
            }
        }
        sb.append("</").append(qname).append('>');
    }

}
