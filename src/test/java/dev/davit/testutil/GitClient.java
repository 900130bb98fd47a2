package dev.davit.testutil;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;

/**
 * git clients against the test server's smart-HTTP endpoint: JGit's ({@link #cloneWithJgit}) and the
 * {@code git} command ({@link #git}), both with real credentials over the socket.
 */
public final class GitClient {
    private GitClient() {
    }

    /** {@code http://127.0.0.1:PORT/git/demo/sample.git}. */
    public static String url(TestServer s) {
        return s.server.baseUrl() + "git/demo/sample.git";
    }

    public static CredentialsProvider credentials(String user, String password) {
        return new UsernamePasswordCredentialsProvider(user, password);
    }

    /** Clones demo/sample with JGit into {@code dir} as {@code user}; the caller closes the result. */
    public static Git cloneWithJgit(TestServer s, Path dir, String user, String password) throws Exception {
        return Git.cloneRepository().setURI(url(s)).setDirectory(dir.toFile())
                .setCredentialsProvider(credentials(user, password)).call();
    }

    /** What a {@code git} command did: exit status and its merged output. */
    public record Run(int exit, String output) {
    }

    /**
     * Runs {@code git args...} in {@code dir}, without any user or system configuration, no prompts and no
     * proxy, with a fixed identity.
     */
    public static Run git(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add("git");
        cmd.add("-c");
        cmd.add("user.name=Git User");
        cmd.add("-c");
        cmd.add("user.email=git@localhost");
        cmd.add("-c");
        cmd.add("init.defaultBranch=main");
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().put("GIT_CONFIG_NOSYSTEM", "1");
        pb.environment().put("GIT_CONFIG_GLOBAL", "/dev/null");
        pb.environment().put("GIT_TERMINAL_PROMPT", "0");
        pb.environment().put("NO_PROXY", "*");
        for (String v : List.of("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy")) {
            pb.environment().remove(v);
        }
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("git " + String.join(" ", args) + " timed out");
        }
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    /** The smart-HTTP URL with credentials in it, as a person would paste it. */
    public static String urlWithCredentials(TestServer s, String user, String password) {
        return url(s).replace("http://", "http://" + user + ":" + password + "@");
    }
}
