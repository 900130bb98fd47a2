package dev.davit.cluster;

import java.io.IOException;
import java.net.URL;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jgit.transport.http.HttpConnection;
import org.eclipse.jgit.transport.http.HttpConnectionFactory2;
import org.eclipse.jgit.transport.http.JDKHttpConnectionFactory;

import dev.davit.config.DavitConfig;

/**
 * Mutual TLS between the nodes ({@code cluster.tls.*}), on every path one node talks to another: the Raft port
 * (Ratis' gRPC transport: server, client and admin sides) and the nodes' own HTTPS port (forwarded requests,
 * catch-ups, large files). Without it anyone who reaches the Raft port can append entries to the log, which every
 * node applies (an entry no node can apply stops them all; a forged record moves a branch), and what the nodes
 * send each other over HTTP (users' credentials, the cluster's secret) crosses the network in clear. With it,
 * each side accepts the other only with a certificate its trust store holds or signed, and the side that dials
 * checks that the certificate names the host it dialled (the host in {@code cluster.peers}). One set of key and
 * trust managers, from Java key stores through the JDK's own factories, for all of them.
 */
final class NodeTls {
    private final KeyManager[] keys;
    private final TrustManager[] trust;
    private final SSLContext context;

    private NodeTls(KeyManager[] keys, TrustManager[] trust) throws GeneralSecurityException {
        this.keys = keys;
        this.trust = trust;
        this.context = SSLContext.getInstance("TLS");
        context.init(keys, trust, null);
    }

    /** The key and trust stores of {@code settings}, read once. */
    static NodeTls load(DavitConfig.Cluster.RaftTls settings) throws IOException {
        try {
            KeyManagerFactory k = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            k.init(keyStore(settings.keystore(), settings.keystorePassword()), settings.keystorePassword().toCharArray());
            TrustManagerFactory t = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            t.init(keyStore(settings.truststore(), settings.truststorePassword()));
            return new NodeTls(k.getKeyManagers(), t.getTrustManagers());
        } catch (GeneralSecurityException e) {
            throw new IOException("cluster.tls: " + e.getMessage(), e);
        }
    }

    private static KeyStore keyStore(Path file, String password) throws IOException, GeneralSecurityException {
        try {
            return KeyStore.getInstance(file.toFile(), password.toCharArray()); // PKCS12 or JKS, found by its content
        } catch (IOException e) {
            throw new IOException("cluster.tls: cannot read the key store " + file + " (" + e.getMessage() + ")", e);
        }
    }

    /** Ratis' parameters: TLS on the transport when {@code tls} is given, none otherwise. */
    static Parameters raftParameters(NodeTls tls) {
        Parameters parameters = new Parameters();
        if (tls != null) {
            GrpcConfigKeys.TLS.setConf(parameters, tls.grpc());
        }
        return parameters;
    }

    GrpcTlsConfig grpc() {
        return new GrpcTlsConfig(keys[0], trust[0], true);
    }

    /** For the JDK's HTTP client (catch-ups, large files). */
    private SSLContext sslContext() {
        return context;
    }

    /**
     * The JDK's HTTP client for what one node asks of another over HTTP (catch-ups, large files): HTTP/1.1, and
     * with {@code tls} (null: none) this node's certificate shown and the other's checked.
     */
    static java.net.http.HttpClient httpClient(NodeTls tls, java.time.Duration connectTimeout) {
        java.net.http.HttpClient.Builder b = java.net.http.HttpClient.newBuilder()
                .version(java.net.http.HttpClient.Version.HTTP_1_1).connectTimeout(connectTimeout);
        return (tls == null ? b : b.sslContext(tls.sslContext())).build();
    }

    /** The nodes' HTTPS port: this node's certificate, and the other node's asked for and checked. */
    SslContextFactory.Server server() {
        SslContextFactory.Server f = new SslContextFactory.Server();
        f.setSslContext(context);
        f.setNeedClientAuth(true);
        return f;
    }

    /** Jetty's client (forwarded requests): this node's certificate shown, the leader's checked with its host name. */
    SslContextFactory.Client client() {
        SslContextFactory.Client f = new SslContextFactory.Client();
        f.setSslContext(context);
        f.setEndpointIdentificationAlgorithm("HTTPS");
        return f;
    }

    /** JGit's HTTP connections (a catch-up's fetch), with this node's certificate and trust. */
    HttpConnectionFactory2 gitConnections() {
        JDKHttpConnectionFactory jdk = new JDKHttpConnectionFactory();
        return new HttpConnectionFactory2() {
            @Override
            public HttpConnection create(URL url) throws IOException {
                return configured(jdk.create(url));
            }

            @Override
            public HttpConnection create(URL url, java.net.Proxy proxy) throws IOException {
                return configured(jdk.create(url, proxy));
            }

            @Override
            public GitSession newSession() {
                return new GitSession() {
                    @Override
                    public HttpConnection configure(HttpConnection connection, boolean sslVerify) {
                        return connection; // configured when made; never without verification
                    }

                    @Override
                    public void close() {
                        // nothing held
                    }
                };
            }
        };
    }

    private HttpConnection configured(HttpConnection c) throws IOException {
        try {
            c.configure(keys, trust, null);
            return c;
        } catch (GeneralSecurityException e) {
            throw new IOException("cluster.tls: " + e.getMessage(), e);
        }
    }
}
