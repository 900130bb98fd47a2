// Davit's REST API driven by the real GitHub client, @octokit/rest, with only baseUrl changed.
// Creates, reads, updates, updates with a stale sha (expects 409 and reads `current`), merges, lists
// commits (paginated), compares, deletes, retries with an Idempotency-Key. Exits 1 on any deviation.
// With DAVIT_TOKEN (a personal access token of DAVIT_USER) Octokit authenticates the way it does on GitHub,
// `auth: token` (Authorization: token X), checks users.getAuthenticated, and a read-only token
// (DAVIT_RO_TOKEN) is refused a write; without it, HTTP Basic as before.
// Env: DAVIT_API (http://127.0.0.1:PORT/api), DAVIT_USER, DAVIT_PASS, DAVIT_TOKEN, DAVIT_RO_TOKEN, DAVIT_REPO (owner/repo, default demo/sample).
import { Octokit } from "@octokit/rest";

const baseUrl = process.env.DAVIT_API;
if (!baseUrl) {
  console.log("FAIL: DAVIT_API is not set");
  process.exit(1);
}
const [owner, repo] = (process.env.DAVIT_REPO || "demo/sample").split("/");
const user = process.env.DAVIT_USER ?? "demo";
const pass = process.env.DAVIT_PASS ?? "demo";

const token = process.env.DAVIT_TOKEN;
const roToken = process.env.DAVIT_RO_TOKEN;
const octokit = token
  ? new Octokit({ baseUrl, auth: token, userAgent: "davit-interop", request: { retries: 0 } })
  : new Octokit({ baseUrl, userAgent: "davit-interop", request: { retries: 0 } });
if (!token) {
  // No token given: HTTP Basic, set on every request (Octokit's `auth` string is always sent as a token).
  octokit.hook.before("request", (options) => {
    options.headers.authorization = "Basic " + Buffer.from(`${user}:${pass}`).toString("base64");
  });
}

let failures = 0;
const pass_ = (m) => console.log(`PASS: ${m}`);
const fail = (m) => { console.log(`FAIL: ${m}`); failures++; };
const check = (m, cond, detail = "") => (cond ? pass_(m) : fail(`${m}${detail ? ": " + detail : ""}`));
const b64 = (s) => Buffer.from(s, "utf8").toString("base64");
const unb64 = (s) => Buffer.from(s, "base64").toString("utf8");
async function expectError(m, status, fn) {
  try {
    await fn();
    fail(`${m}: expected HTTP ${status}, got success`);
    return null;
  } catch (e) {
    if (e.status !== status) {
      fail(`${m}: expected HTTP ${status}, got ${e.status}: ${e.message}`);
      return null;
    }
    pass_(`${m} (${status})`);
    return e.response?.data ?? {};
  }
}

const path = `octokit/run-${Date.now()}-${Math.floor(Math.random() * 1e6)}.txt`;
const v1 = "one\ntwo\nthree\nfour\nfive\n";
const v2 = "ONE\ntwo\nthree\nfour\nfive\n";

try {
  if (token) {
    const me = await octokit.rest.users.getAuthenticated();
    check("token: users.getAuthenticated is the token's user", me.data.login === user, me.data.login);
  } else {
    console.log("SKIP: token checks (DAVIT_TOKEN not set)");
  }
  if (roToken) {
    const ro = new Octokit({ baseUrl, auth: roToken, userAgent: "davit-interop", request: { retries: 0 } });
    const rr = await ro.rest.repos.get({ owner, repo });
    check("read-only token reads; permissions.push false", rr.status === 200 && rr.data.permissions?.push === false);
    await expectError("read-only token cannot write", 403, () =>
      ro.rest.repos.createOrUpdateFileContents({ owner, repo, path: "octokit/ro.txt", message: "ro", content: b64("ro\n") }));
  }
  const r0 = await octokit.rest.repos.get({ owner, repo });
  check("repos.get default_branch", r0.data.default_branch === "main", JSON.stringify(r0.data.default_branch));
  const rev0 = r0.headers["x-revision"];
  check("X-Revision on repos.get", /^[0-9a-f]{40}$/.test(rev0 || ""), rev0);

  // create
  const c = await octokit.rest.repos.createOrUpdateFileContents({ owner, repo, path, message: `create ${path}`, content: b64(v1) });
  check("create answers 201", c.status === 201, String(c.status));
  const sha1 = c.data.content.sha;
  check("create: content.sha is a blob id", /^[0-9a-f]{40}$/.test(sha1), sha1);
  check("create: commit.parents[0] is the old head", c.data.commit.parents?.[0]?.sha === rev0);
  check("create: ETag is the blob", c.headers.etag === `"${sha1}"`, c.headers.etag);

  // read
  const g = await octokit.rest.repos.getContent({ owner, repo, path });
  check("getContent type/encoding", g.data.type === "file" && g.data.encoding === "base64");
  check("getContent content round-trips", unb64(g.data.content) === v1);
  check("getContent sha", g.data.sha === sha1);
  const raw = await octokit.rest.repos.getContent({ owner, repo, path, mediaType: { format: "raw" } });
  check("getContent raw media type", raw.data === v1, JSON.stringify(raw.data).slice(0, 80));
  const dir = await octokit.rest.repos.getContent({ owner, repo, path: "octokit" });
  check("getContent on a folder lists it", Array.isArray(dir.data) && dir.data.some((e) => e.path === path));

  // update
  const u = await octokit.rest.repos.createOrUpdateFileContents({ owner, repo, path, message: `update ${path}`, content: b64(v2), sha: sha1 });
  check("update answers 200", u.status === 200, String(u.status));
  const sha2 = u.data.content.sha;
  const rev2 = u.data.commit.sha;

  // stale update: 409 with current
  const stale = await expectError("update with a stale sha", 409, () =>
    octokit.rest.repos.createOrUpdateFileContents({ owner, repo, path, message: "stale", content: b64("x\n"), sha: sha1 }));
  if (stale) {
    check("409 message is GitHub's", stale.message === `${path} does not match ${sha1}`, stale.message);
    check("409 documentation_url", typeof stale.documentation_url === "string" && stale.documentation_url.startsWith("https://docs.github.com/"));
    check("409 current.sha is the new blob", stale.current?.sha === sha2, JSON.stringify(stale.current));
    check("409 current.revision is the head", stale.current?.revision === rev2, JSON.stringify(stale.current));
    check("409 yours.sha", stale.yours?.sha === sha1);
  }

  // update without sha: 422
  await expectError("update without sha", 422, () =>
    octokit.rest.repos.createOrUpdateFileContents({ owner, repo, path, message: "nosha", content: b64("x\n") }));

  // merge: a stale sha with "merge": true and edits that do not overlap
  const m = await octokit.rest.repos.createOrUpdateFileContents({
    owner, repo, path, message: `merge ${path}`, content: b64("one\ntwo\nthree\nfour\nFIVE\n"), sha: sha1, merge: true,
  });
  check("merge answers 200", m.status === 200, String(m.status));
  check("merge says merged: true", m.data.merged === true);
  const merged = await octokit.rest.repos.getContent({ owner, repo, path });
  check("merged content keeps both edits", unb64(merged.data.content) === "ONE\ntwo\nthree\nfour\nFIVE\n", unb64(merged.data.content));

  // merge with overlapping edits: 409 with the hunks and the text with markers
  const conflict = await expectError("merge with overlapping edits", 409, () =>
    octokit.rest.repos.createOrUpdateFileContents({ owner, repo, path, message: "clash", content: b64("uno\ntwo\nthree\nfour\nfive\n"), sha: sha1, merge: true }));
  if (conflict) {
    check("conflict lists hunks", Array.isArray(conflict.conflicts) && conflict.conflicts.length === 1, JSON.stringify(conflict.conflicts));
    check("conflict text has markers", (conflict.content_with_markers || "").includes("<<<<<<< yours"));
  }

  // history of the file, paginated one per page through the Link header
  const commits = await octokit.paginate(octokit.rest.repos.listCommits, { owner, repo, path, per_page: 1 });
  check("listCommits(path) paginates to 3 commits", commits.length === 3, String(commits.length));
  check("listCommits newest first", commits[0]?.commit?.message?.startsWith("merge "), commits[0]?.commit?.message);

  // paging the whole history: Link rel="last" gives the total (one per page), and paginate agrees with it
  const first = await octokit.rest.repos.listCommits({ owner, repo, per_page: 1 });
  const last = /[?&]page=(\d+)>; rel="last"/.exec(first.headers.link || "");
  check("listCommits per_page=1 has Link rel=\"last\"", last !== null, first.headers.link);
  const everything = await octokit.paginate(octokit.rest.repos.listCommits, { owner, repo, per_page: 2 });
  check("paginate(listCommits) total equals the rel=\"last\" page at per_page=1",
    last !== null && everything.length === Number(last[1]), `${everything.length} vs ${last?.[1]}`);
  const lastPage = await octokit.rest.repos.listCommits({ owner, repo, per_page: 1, page: Number(last?.[1] ?? 1) });
  check("the last page holds the first commit", lastPage.data.length === 1 && lastPage.data[0].parents.length === 0);

  const one = await octokit.rest.repos.getCommit({ owner, repo, ref: m.data.commit.sha });
  check("getCommit files[].patch", one.data.files?.[0]?.filename === path && one.data.files[0].patch?.includes("+FIVE"));
  const cmp = await octokit.rest.repos.compareCommitsWithBasehead({ owner, repo, basehead: `${rev0}...${m.data.commit.sha}` });
  check("compare ahead_by 3", cmp.data.status === "ahead" && cmp.data.ahead_by === 3, `${cmp.data.status} ${cmp.data.ahead_by}`);
  const branches = await octokit.rest.repos.listBranches({ owner, repo });
  check("listBranches has main at the head", branches.data.some((b) => b.name === "main" && b.commit.sha === m.data.commit.sha));

  // Idempotency-Key: the retried create gets the first answer, no second commit
  const ipath = `${path}.idem`;
  const key = `octokit-${Date.now()}`;
  const i1 = await octokit.rest.repos.createOrUpdateFileContents({ owner, repo, path: ipath, message: "idem", content: b64("i\n"), headers: { "idempotency-key": key } });
  const i2 = await octokit.rest.repos.createOrUpdateFileContents({ owner, repo, path: ipath, message: "idem", content: b64("i\n"), headers: { "idempotency-key": key } });
  check("retried create replays 201 with the same commit", i1.status === 201 && i2.status === 201 && i1.data.commit.sha === i2.data.commit.sha);

  // delete both
  const d = await octokit.rest.repos.deleteFile({ owner, repo, path, message: `delete ${path}`, sha: merged.data.sha });
  check("deleteFile answers 200 with content null", d.status === 200 && d.data.content === null);
  await octokit.rest.repos.deleteFile({ owner, repo, path: ipath, message: "delete idem", sha: i1.data.content.sha });
  await expectError("getContent after delete", 404, () => octokit.rest.repos.getContent({ owner, repo, path }));
} catch (e) {
  fail(`unexpected error: ${e.status ?? ""} ${e.message}`);
}

console.log(failures === 0 ? "octokit smoke: PASS" : `octokit smoke: FAIL (${failures})`);
process.exit(failures === 0 ? 0 : 1);
