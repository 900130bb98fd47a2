package dev.davit.cluster;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;

import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;

import dev.davit.config.DavitConfig;

/**
 * Mutual TLS on the Raft port ({@code cluster.tls.*}). Without it anyone who reaches that port can append
 * entries to the log, and every node applies what is committed: a garbage entry stops every node (none can
 * apply it), a forged record moves a branch. With it, Ratis' gRPC transport (server, client and admin sides)
 * speaks TLS only, and each side accepts the other only with a certificate its trust store holds (or one
 * signed by it); a client also checks that the certificate names the host it dialled (the host in
 * {@code cluster.peers}). The keys come from Java key stores through the JDK's own key and trust managers.
 */
final class RaftTransportSecurity {
    private RaftTransportSecurity() {
    }

    /** The Ratis parameters with the transport's TLS set when {@code tls} is given; empty parameters otherwise. */
    static Parameters parameters(DavitConfig.Cluster.RaftTls tls) throws IOException {
        Parameters parameters = new Parameters();
        if (tls != null) {
            GrpcConfigKeys.TLS.setConf(parameters, config(tls));
        }
        return parameters;
    }

    static GrpcTlsConfig config(DavitConfig.Cluster.RaftTls tls) throws IOException {
        try {
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(load(tls.keystore(), tls.keystorePassword()), tls.keystorePassword().toCharArray());
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(load(tls.truststore(), tls.truststorePassword()));
            return new GrpcTlsConfig(keys.getKeyManagers()[0], trust.getTrustManagers()[0], true);
        } catch (GeneralSecurityException e) {
            throw new IOException("cluster.tls: " + e.getMessage(), e);
        }
    }

    private static KeyStore load(Path file, String password) throws IOException, GeneralSecurityException {
        try {
            return KeyStore.getInstance(file.toFile(), password.toCharArray()); // PKCS12 or JKS, found by its content
        } catch (IOException e) {
            throw new IOException("cluster.tls: cannot read the key store " + file + " (" + e.getMessage() + ")", e);
        }
    }
}
