package dev.davit.dav;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.List;

import jakarta.servlet.http.HttpServletResponse;

/** Writes a 207 Multi-Status body (RFC 4918 §13) as it goes, so its size never sits in memory. */
final class Multistatus implements AutoCloseable {
    private final Writer out;

    Multistatus(HttpServletResponse resp) throws IOException {
        resp.setStatus(207);
        resp.setContentType("application/xml; charset=utf-8");
        this.out = new BufferedWriter(new OutputStreamWriter(resp.getOutputStream(), StandardCharsets.UTF_8), 32 * 1024);
        out.write("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<D:multistatus xmlns:D=\"DAV:\">\n");
    }

    void beginResponse(String href) throws IOException {
        out.write("<D:response><D:href>");
        out.write(Xml.text(href));
        out.write("</D:href>\n");
    }

    /** One propstat: the property elements (already rendered) and their status line. */
    void propstat(List<String> props, int status) throws IOException {
        if (props.isEmpty()) {
            return;
        }
        out.write("<D:propstat><D:prop>");
        for (String p : props) {
            out.write(p);
        }
        out.write("</D:prop><D:status>HTTP/1.1 ");
        out.write(status + " " + reason(status));
        out.write("</D:status></D:propstat>\n");
    }

    void endResponse() throws IOException {
        out.write("</D:response>\n");
    }

    static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 409 -> "Conflict";
            case 424 -> "Failed Dependency";
            default -> "Status";
        };
    }

    @Override
    public void close() throws IOException {
        out.write("</D:multistatus>\n");
        out.close();
    }
}
