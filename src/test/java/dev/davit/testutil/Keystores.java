package dev.davit.testutil;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Key stores for tests, made by the JDK's own {@code keytool}. */
public final class Keystores {
    private Keystores() {
    }

    /**
     * A PKCS12 key store at {@code file} with one new RSA key and its self-signed certificate for {@code cn}, valid
     * for 127.0.0.1 and localhost for two days, under {@code password}.
     */
    public static Path selfSigned(Path file, String password, String cn) throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "davit", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=" + cn,
                "-validity", "2", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-keystore", file.toString(), "-storetype", "PKCS12",
                "-storepass", password, "-keypass", password).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return file;
    }

    /**
     * A client that trusts any server's certificate and shows none of its own: for tests of servers with
     * self-signed certificates (and of what a server refuses a stranger); never used outside tests.
     */
    public static java.net.http.HttpClient trustingClient() throws Exception {
        javax.net.ssl.TrustManager any = new javax.net.ssl.X509TrustManager() {
            @Override
            public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType) {
            }

            @Override
            public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                return new java.security.cert.X509Certificate[0];
            }
        };
        javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
        ctx.init(null, new javax.net.ssl.TrustManager[] {any}, new java.security.SecureRandom());
        return java.net.http.HttpClient.newBuilder().sslContext(ctx).version(java.net.http.HttpClient.Version.HTTP_1_1)
                .connectTimeout(java.time.Duration.ofSeconds(10)).build();
    }
}
