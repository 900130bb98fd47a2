#!/usr/bin/env bash
# Cluster mode (issue 17): three real Davit processes (target/davit.jar) in one Raft group on loopback, and the
# issue's sequence under load: kill -9 of the leader, writes go on through the other two; kill -9 of a follower,
# so one node of three is left: no write may get a 2xx meanwhile, a write gets 503 with Retry-After; both killed
# nodes restarted on their data: writes go on, the restarted nodes catch up. Then the (new) leader is stopped
# (SIGSTOP) for 8 s under load and continued. A WebDAV lock is taken through node 1 first; at the end, writes
# without its token are refused (409) and writes with it succeed through every node.
# CLUSTER_WORKERS (6) curl writers PUT through all three nodes: each its own file with If-Match of its last
# version, and all of them a shared file with If-Match races across nodes.
# Then, on every node's own disk: the same head, every write answered 2xx there (its blob), each writer's file at
# its last acknowledged version (or a later attempt that was committed though not answered), `git fsck` clean;
# through every node: the same bytes and ETag; of the racing writes with the same If-Match at most one won. Last, a
# branch and an annotated tag pushed with git through node 2: on every node's disk and listed through every node.
# A Raft snapshot every 20 entries: the restarted nodes usually lack entries no log keeps any more, and catch up
# by fetching the leader's snapshot and repositories (said at the end).
# Builds nothing; in test-all.sh's default list (CI). Env: CLUSTER_WORKERS, DAVIT_JAR, INTEROP_LOGS, INTEROP_KEEP=1.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cluster-lib.sh"

INTEROP_NAME=cluster
say "== cluster =="
need_pkg curl git python3 || exit 1
if [[ -z "${INTEROP_LOGS:-}" ]]; then INTEROP_LOGS=$(mktemp -d /tmp/davit-interop-logs.XXXXXX); fi
mkdir -p "$INTEROP_LOGS"; export INTEROP_LOGS
WORK=$(mktemp -d /tmp/davit-cluster.XXXXXX)
WORKERS=${CLUSTER_WORKERS:-6}
src_jar=${DAVIT_JAR:-$REPO_ROOT/target/davit.jar}
[[ -f "$src_jar" ]] || die "$src_jar is missing (build it: mvn -q -B -DskipTests package)"
JAR=$WORK/davit.jar; cp "$src_jar" "$JAR"
declare -A PID HTTP
worker_pids=()

cleanup() {
  local p
  for p in "${worker_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PID[@]}"; do
    if [[ -n "$p" ]] && kill -0 "$p" 2>/dev/null; then kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null; fi
  done
  cp "$WORK"/node-*.log "$INTEROP_LOGS"/ 2>/dev/null || true
  if [[ "${INTEROP_KEEP:-0}" == 1 ]]; then say "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

read -r -a ports <<<"$(free_ports 9)"
# Per node: the users' HTTP port, the Raft port, and (with mutual TLS, below) the nodes' own HTTPS port, which
# cluster.peers names; without TLS the nodes use the users' port, as before.
peers=""
for i in 1 2 3; do
  HTTP[$i]=${ports[$((3 * i - 3))]}
  node_port=${HTTP[$i]}
  [[ "${CLUSTER_TLS:-1}" == 1 ]] && node_port=${ports[$((3 * i - 1))]}
  peers+="${peers:+,}n$i@127.0.0.1:${ports[$((3 * i - 2))]}:$node_port"
done
secret=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
# Mutual TLS between the nodes (README: cluster.tls.*), on the Raft ports and the nodes' own HTTPS ports: one
# self-signed certificate for 127.0.0.1, shared by the three nodes as key store and trust store. CLUSTER_TLS=0
# runs without it.
tls=""
if [[ "${CLUSTER_TLS:-1}" == 1 ]]; then
  keytool=$(dirname "$(readlink -f "$(command -v java)")")/keytool
  tlspass=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
  "$keytool" -genkeypair -alias davit-nodes -keyalg RSA -keysize 2048 -validity 2 -dname CN=davit-nodes \
    -ext SAN=ip:127.0.0.1 -storetype PKCS12 -keystore "$WORK/nodes.p12" -storepass "$tlspass" -keypass "$tlspass" \
    >"$WORK/keytool.log" 2>&1 || die "keytool could not make the nodes' key store: $(cat "$WORK/keytool.log")"
  tls=$(printf 'cluster.tls.keystore=%s\ncluster.tls.keystore.password=%s\n' "$WORK/nodes.p12" "$tlspass")
  note "the nodes speak mutual TLS (Raft and their own HTTPS ports; one self-signed certificate for the three)"
fi
for i in 1 2 3; do
  { cat "$REPO_ROOT/config/davit.properties"
    printf '\ncluster.enabled=true\ncluster.node.id=n%s\ncluster.peers=%s\ncluster.secret=%s\n' "$i" "$peers" "$secret"
    # Small snapshots and log files: the logs are trimmed during the run, so a killed node misses entries the
    # others no longer keep and catches up by fetching from the leader (README: Cluster mode).
    printf 'cluster.snapshot.entries=20\ncluster.raft.segment.bytes=65536\n'
    if [[ -n "$tls" ]]; then printf '%s\n' "$tls"; fi
  } >"$WORK/node-$i.properties"
  mkdir -p "$WORK/data-$i"
done

# start_node I: java -jar with node I's config and data, in the background; await_started I waits for its
# listening line (60 s).
start_node() {
  local i=$1 log=$WORK/node-$1.log
  ( cd "$REPO_ROOT" && exec java ${DAVIT_JAVA_OPTS:-} -jar "$JAR" --config "$WORK/node-$i.properties" \
      --port "${HTTP[$i]}" --data "$WORK/data-$i" ) </dev/null >>"$log" 2>&1 &
  PID[$i]=$!
}
await_started() {
  local i=$1 log=$WORK/node-$1.log deadline=$((SECONDS + 60))
  while (( SECONDS < deadline )); do
    grep -qs 'Davit listening on' "$log" && return 0
    kill -0 "${PID[$i]}" 2>/dev/null || break
    sleep 0.2
  done
  say "FAIL: node $i did not start; log:"; tail -n 30 "$log" | sed 's/^/  | /'
  return 1
}

# leader: the id (n1..n3) a live node names on /healthz, or nothing.
leader() {
  local i l
  for i in 1 2 3; do
    kill -0 "${PID[$i]:-0}" 2>/dev/null || continue
    l=$(curl -s -o /dev/null -D - --max-time 5 "http://127.0.0.1:${HTTP[$i]}/healthz" | tr -d '\r' \
        | sed -n 's/^[Xx]-[Dd]avit-[Cc]luster-[Ll]eader: *//p')
    [[ -n "$l" ]] && { echo "$l"; return; }
  done
}

U() { echo "http://127.0.0.1:${HTTP[$1]}/dav/demo/sample/$2"; }
AUTH=(-u "$DAVIT_USER:$DAVIT_PASS")

# worker W: PUT cluster/wW.txt again and again through node (W + n) % 3 + 1 with If-Match of its last version,
# and every third write a racing PUT of cluster/shared.txt with If-Match of the version it just read. Logs
# "TRY content", "CODE status content START_MS END_MS" and "ACK content" for its file and "RACE ifmatch status
# content" for the shared one. After an answer other than 2xx it pauses 0.2 s (503s and refused connections come
# fast: no busy loop of curls while nodes are down).
worker() {
  local w=$1 n=0 etag="" out=$WORK/w$1.log node code hdr c sh t
  while [[ ! -e $WORK/stop ]] && (( n < 400 )); do
    n=$((n + 1)); node=$(( (w + n) % 3 + 1 )); c="w$w-$n"
    echo "TRY $c" >>"$out"; t=$(now_ms)
    hdr=$WORK/w$w.hdr
    if [[ -z "$etag" ]]; then
      code=$(curl -s -o /dev/null -D "$hdr" --max-time 20 "${AUTH[@]}" -X PUT --data-binary "$c" \
             -H 'If-None-Match: *' -w '%{http_code}' "$(U "$node" "cluster/w$w.txt")")
    else
      code=$(curl -s -o /dev/null -D "$hdr" --max-time 20 "${AUTH[@]}" -X PUT --data-binary "$c" \
             -H "If-Match: $etag" -w '%{http_code}' "$(U "$node" "cluster/w$w.txt")")
    fi
    echo "CODE $code $c $t $(now_ms)" >>"$out"
    if [[ "$code" == 2* ]]; then
      echo "ACK $c" >>"$out"
      etag=$(tr -d '\r' <"$hdr" | sed -n 's/^[Ee][Tt]ag: *//p')
    else
      # Unknown outcome (503, a killed node): read the current version (through any node that answers) first.
      local k e
      sleep 0.2
      for k in 1 2 3; do
        e=$(curl -s -o /dev/null -D - --max-time 20 "${AUTH[@]}" "$(U $(( (node + k) % 3 + 1 )) "cluster/w$w.txt")" \
            | tr -d '\r' | sed -n 's/^[Ee][Tt]ag: *//p')
        [[ -n "$e" ]] && { etag=$e; break; }
      done
    fi
    if (( n % 3 == 0 )); then
      sh=$(curl -s -o /dev/null -D - --max-time 20 "${AUTH[@]}" "$(U "$node" cluster/shared.txt)" \
           | tr -d '\r' | sed -n 's/^[Ee][Tt]ag: *//p')
      if [[ -n "$sh" ]]; then
        code=$(curl -s -o /dev/null --max-time 20 "${AUTH[@]}" -X PUT --data-binary "shared-$c" -H "If-Match: $sh" \
               -w '%{http_code}' "$(U $(( (node + 1) % 3 + 1 )) cluster/shared.txt)")
        echo "RACE $sh $code shared-$c" >>"$out"
      fi
    fi
  done
}

# A writer of large files (3 MiB, over the 1 MiB past which a file goes beside the Raft log: shipped by the leader
# to a majority before its entry, fetched by a node that missed it), each new and unique, through the nodes in
# turn, logging "ACK name blob-id" for each 2xx; every one is looked for on every node's disk at the end.
big_worker() {
  local n=0 node code rc f out=$WORK/big.log
  while [[ ! -e $WORK/stop ]] && (( n < 200 )); do
    n=$((n + 1)); node=$(( n % 3 + 1 )); f=$WORK/big-$n.bin
    { echo "big file $n"; head -c $((3 << 20)) /dev/urandom; } >"$f"
    code=$(curl -s -o /dev/null --max-time 30 "${AUTH[@]}" -X PUT --data-binary "@$f" -w '%{http_code}' \
           "$(U "$node" "cluster/big-$n.bin")"); rc=$?
    echo "CODE $code big-$n.bin n$node curl-exit-$rc $(date +%s)" >>"$out"
    [[ "$code" == 2* ]] && echo "ACK big-$n.bin $(git hash-object "$f")" >>"$out"
    rm -f "$f"
    [[ "$code" == 2* ]] || sleep 0.5
  done
}

acks() { cat "$WORK"/w*.log 2>/dev/null | grep -c '^ACK ' ; }
now_ms() { date +%s%3N; }

# git on node I's disk

t0=$SECONDS
for i in 1 2 3; do start_node "$i"; done
for i in 1 2 3; do await_started "$i" || exit 1; done
deadline=$((SECONDS + 60))
until [[ $(curl -s -o /dev/null --max-time 5 "${AUTH[@]}" -w '%{http_code}' "$(U 1 README.md)") == 200 ]]; do
  (( SECONDS < deadline )) || die "no leader served the sample within 60 s"
  sleep 0.2
done
note "leader $(leader), sample served after $((SECONDS - t0)) s"
code=$(curl -s -o /dev/null --max-time 20 "${AUTH[@]}" -X MKCOL -w '%{http_code}' "$(U 2 cluster/)")
check_eq "MKCOL through node 2" 201 "$code"
code=$(curl -s -o /dev/null --max-time 20 "${AUTH[@]}" -X PUT --data-binary "shared-0" -w '%{http_code}' "$(U 3 cluster/shared.txt)")
check_eq "PUT shared.txt through node 3" 201 "$code"

code=$(curl -s -o /dev/null --max-time 20 "${AUTH[@]}" -X PUT --data-binary "locked-0" -w '%{http_code}' "$(U 1 cluster/locked.txt)")
check_eq "PUT locked.txt through node 1" 201 "$code"
lockinfo='<?xml version="1.0" encoding="utf-8"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype><D:owner>cluster.sh</D:owner></D:lockinfo>'
token=$(curl -s -o /dev/null -D - --max-time 20 "${AUTH[@]}" -X LOCK -H 'Depth: 0' -H 'Content-Type: application/xml' \
        --data-binary "$lockinfo" "$(U 1 cluster/locked.txt)" | tr -d '\r' | sed -n 's/^[Ll]ock-[Tt]oken: *<\(.*\)>$/\1/p')
[[ -n "$token" ]] && pass "LOCK locked.txt through node 1 ($token)" || fail "LOCK through node 1 gave no Lock-Token"

for w in $(seq 1 "$WORKERS"); do worker "$w" & worker_pids+=($!); done
big_worker & worker_pids+=($!)
deadline=$((SECONDS + 60))
while (( $(acks) < 30 && SECONDS < deadline )); do sleep 0.2; done
# 1. kill -9 of the leader: the other two elect one and acknowledge writes.
victim=$(leader); victim=${victim#n}
[[ -n "$victim" ]] || die "no leader known under load"
note "$(acks) writes acknowledged; kill -9 of the leader n$victim"
kill -KILL "${PID[$victim]}"; wait "${PID[$victim]}" 2>/dev/null
before=$(acks); t_kill=$SECONDS
deadline=$((SECONDS + 60))
while (( $(acks) < before + 20 && SECONDS < deadline )); do sleep 0.2; done
(( $(acks) >= before + 20 )) && pass "writes acknowledged again $((SECONDS - t_kill)) s after the leader's kill (new leader $(leader))" \
  || fail "no writes acknowledged within 60 s of the leader's kill"

# 2. kill -9 of a follower: one node of three is left, no majority. From the moment the follower is dead until
# both nodes are back, no write may be answered 2xx; the survivor answers 503 with Retry-After (at once once it
# stepped down, 2 s after it stopped hearing from a majority; a write it holds meanwhile fails then).
survivor=$(leader); survivor=${survivor#n}
follower=""
for i in 1 2 3; do [[ $i != "$victim" && $i != "$survivor" ]] && follower=$i; done
[[ -n "$survivor" && -n "$follower" ]] || die "no leader known among the two nodes left (${survivor:-none})"
note "$(acks) writes acknowledged; kill -9 of the follower n$follower (n$survivor is left alone)"
kill -KILL "${PID[$follower]}"; wait "${PID[$follower]}" 2>/dev/null
nomajority_ms=$(now_ms); t_alone=$SECONDS
for k in 1 2; do
  hdr=$(curl -s -o /dev/null -D - --max-time 20 "${AUTH[@]}" -X PUT --data-binary "alone-$k" -w 'STATUS %{http_code}\n' \
        "$(U "$survivor" "cluster/alone-$k.txt")" | tr -d '\r')
  code=$(sed -n 's/^STATUS //p' <<<"$hdr"); retry=$(sed -n 's/^[Rr]etry-[Aa]fter: *//p' <<<"$hdr")
  check_eq "PUT alone-$k.txt through n$survivor without a majority ($((SECONDS - t_alone)) s after the kill): status, Retry-After" \
    "503 1" "$code $retry"
done
# The workers' writes meanwhile are checked below (none answered 2xx); give them a few seconds of trying.
while (( SECONDS < t_alone + 5 )); do sleep 0.2; done
tried_alone=$(cat "$WORK"/w*.log | awk -v s="$nomajority_ms" -v e="$(now_ms)" '$1 == "CODE" && $4 > s && $5 < e' | wc -l)

# 3. Both restarted on their data: writes go on; they catch up (checked on their disks at the end).
note "restarting n$victim and n$follower ($tried_alone writes tried without a majority)"
relaunch_ms=$(now_ms) # from here a majority may be back at any moment
for i in "$victim" "$follower"; do start_node "$i"; done
for i in "$victim" "$follower"; do await_started "$i" || exit 1; done
before=$(acks); t_restart=$SECONDS; deadline=$((SECONDS + 60))
while (( $(acks) < before + 20 && SECONDS < deadline )); do sleep 0.2; done
(( $(acks) >= before + 20 )) && pass "writes acknowledged again $((SECONDS - t_restart)) s after both restarted (leader $(leader))" \
  || fail "no writes acknowledged within 60 s of the restarts"
# A stalled leader: SIGSTOP past its term (an election takes 1-2 s, it would step down after 2 s), then SIGCONT.
# Requests it holds are answered after it wakes: any 2xx among them must be a committed write (checked below
# with every other acknowledged write), never one only it holds.
stalled=$(leader); stalled=${stalled#n}
if [[ -n "$stalled" ]]; then
  note "SIGSTOP of the leader n$stalled for 8 s"
  before=$(acks)
  kill -STOP "${PID[$stalled]}"; sleep 8
  note "$(( $(acks) - before )) writes acknowledged while n$stalled stood still (new leader $(leader)); SIGCONT"
  kill -CONT "${PID[$stalled]}"
  before=$(acks); deadline=$((SECONDS + 60))
  while (( $(acks) < before + 10 && SECONDS < deadline )); do sleep 0.2; done
  (( $(acks) >= before + 10 )) && pass "writes acknowledged after n$stalled woke up" || fail "no writes after n$stalled woke up"
fi
touch "$WORK/stop"
for p in "${worker_pids[@]}"; do wait "$p"; done
worker_pids=()
# Without a majority nothing was acknowledged: no write sent after the follower's kill and answered before the
# killed nodes were started again got a 2xx.
alone=$(cat "$WORK"/w*.log | awk -v s="$nomajority_ms" -v e="$relaunch_ms" '$1 == "CODE" && $4 > s && $5 < e && $2 ~ /^2/')
check_eq "writes answered 2xx while one node of three was up (of $tried_alone tried)" "" "$alone"
# The large files' writer meets the kills and elections (most of its PUTs are refused then); one more, through a
# follower once all three are up, must be acknowledged, as a client that honours 503 + Retry-After for 30 s would.
f=$WORK/big-final.bin; { echo "big file final"; head -c $((3 << 20)) /dev/urandom; } >"$f"
lead=$(leader); lead=${lead#n}; via=$(( ${lead:-0} % 3 + 1 )); code=""; deadline=$((SECONDS + 30))
until [[ "$code" == 2* ]] || (( SECONDS >= deadline )); do
  code=$(curl -s -o "$WORK/put-body" --max-time 30 "${AUTH[@]}" -X PUT --data-binary "@$f" -w '%{http_code}' \
         "$(U "$via" cluster/big-final.bin)")
  [[ "$code" == 2* ]] || sleep 1
done
check_eq "a 3 MiB file (beside the Raft log) through the follower n$via after the kills ($(head -c 200 "$WORK/put-body"))" 201 "$code"
[[ "$code" == 2* ]] && echo "ACK big-final.bin $(git hash-object "$f")" >>"$WORK/big.log"
# put_as_a_client NODE BODY [CURL ARGS...]: a PUT of locked.txt through NODE as a client that honours 503 +
# Retry-After (the contract while a leader is being elected: the SIGSTOP above may still be settling) for up
# to 30 s; prints its headers and "STATUS code". A 503 that lasts (a node that never rejoins) still fails.
put_as_a_client() {
  local i=$1 body=$2 out tries=0 deadline=$((SECONDS + 30))
  shift 2
  while :; do
    out=$(curl -s -o "$WORK/put-body" -D - --max-time 20 "${AUTH[@]}" -X PUT --data-binary "$body" "$@" \
          -w 'STATUS %{http_code}\n' "$(U "$i" cluster/locked.txt)" | tr -d '\r')
    [[ "$(sed -n 's/^STATUS //p' <<<"$out")" == 503 ]] && (( SECONDS < deadline )) || break
    tries=$((tries + 1)); sleep 1
  done
  (( tries > 0 )) && note "PUT locked.txt through n$i: $tries answer(s) 503 first ($(head -c 200 "$WORK/put-body"))" >&2
  printf '%s\n' "$out"
}
# The lock taken through node 1 before the kills holds on whichever node leads now, through every node.
for i in 1 2 3; do
  hdr=$(put_as_a_client "$i" "no token")
  check_eq "PUT locked.txt without the token through n$i" 409 "$(sed -n 's/^STATUS //p' <<<"$hdr")"
  hdr=$(put_as_a_client "$i" "with the token $i" -H "If: (<$token>)")
  check_eq "PUT locked.txt with the token through n$i" 204 "$(sed -n 's/^STATUS //p' <<<"$hdr")"
  last_rev=$(sed -n 's/^[Xx]-[Rr]evision: *//p' <<<"$hdr")
done
note "$(acks) writes acknowledged in all, $(cat "$WORK"/w*.log | grep -c '^TRY ') tried; answers: $(cat "$WORK"/w*.log \
  | awk '$1 == "CODE" { n[$2]++ } END { for (k in n) printf "%s x%d ", k, n[k] }')"

# Every node's disk at the same head (the appliers write the bare repositories within a second of idling), the
# commit of the last write above, once node 1's holds each writer's last acknowledged write: equal heads alone
# may be an older state the three disks share while the followers learn the last commit index and the appliers
# catch up.
last_acked_on_1() {
  local w last final
  for w in $(seq 1 "$WORKERS"); do
    last=$(grep '^ACK ' "$WORK/w$w.log" | tail -n1 | cut -d' ' -f2)
    [[ -n "$last" ]] || continue
    final=$(g 1 show "refs/heads/main:cluster/w$w.txt" 2>/dev/null)
    [[ "$final" == "$last" ]] || sed -n "/^ACK $last\$/,\$p" "$WORK/w$w.log" | grep '^TRY ' | cut -d' ' -f2 \
      | grep -qxF -- "$final" || return 1
  done
}
deadline=$((SECONDS + 90))
while (( SECONDS < deadline )); do
  h1=$(g 1 rev-parse -q --verify refs/heads/main); h2=$(g 2 rev-parse -q --verify refs/heads/main)
  h3=$(g 3 rev-parse -q --verify refs/heads/main)
  [[ -n "$h1" && "$h1" == "$h2" && "$h2" == "$h3" && ( -z "${last_rev:-}" || "$h1" == "$last_rev" ) ]] && last_acked_on_1 && break
  sleep 0.5
done
check_eq "the same head on every node's disk (n2, n3 vs n1 $h1)" "$h1 $h1" "$h2 $h3"
for i in 1 2 3; do
  check_eq "n$i: commits on main" "$(g 1 rev-list --count refs/heads/main)" "$(g "$i" rev-list --count refs/heads/main)"
done

# Every acknowledged write on every node's disk (its content is unique: its blob is there only if it committed);
# each writer's file at its last acknowledged version or at a later try whose answer was lost.
missing=0 wrong=0
for i in 1 2 3; do
  for w in $(seq 1 "$WORKERS"); do
    while read -r _ c; do
      b=$(printf '%s' "$c" | git hash-object --stdin)
      g "$i" cat-file -e "$b" 2>/dev/null || { missing=$((missing + 1)); note "n$i lacks acknowledged $c"; }
    done < <(grep '^ACK ' "$WORK/w$w.log")
    last=$(grep '^ACK ' "$WORK/w$w.log" | tail -n1 | cut -d' ' -f2)
    final=$(g "$i" show "refs/heads/main:cluster/w$w.txt" 2>/dev/null)
    later=$(sed -n "/^ACK $last\$/,\$p" "$WORK/w$w.log" | grep '^TRY ' | cut -d' ' -f2)
    if [[ "$final" != "$last" ]] && ! grep -qxF -- "$final" <<<"$later"; then
      wrong=$((wrong + 1)); note "n$i: w$w.txt is '$final', last acknowledged '$last'"
    fi
  done
done
check_eq "acknowledged writes missing on some node" 0 "$missing"
bigs=$(grep -c '^ACK ' "$WORK/big.log" 2>/dev/null || true)
missing=0
for i in 1 2 3; do
  while read -r _ name blob; do
    g "$i" cat-file -e "$blob" 2>/dev/null && [[ $(g "$i" rev-parse "refs/heads/main:cluster/$name" 2>/dev/null) == "$blob" ]] \
      || { missing=$((missing + 1)); note "n$i lacks the acknowledged large file $name ($blob)"; }
  done < <(grep '^ACK ' "$WORK/big.log" 2>/dev/null)
done
note "large files: $(awk '$1 == "CODE" { n[$2]++ } END { for (k in n) printf "%s x%d ", k, n[k] }' "$WORK/big.log" 2>/dev/null)"
check_eq "acknowledged large files ($bigs of 3 MiB) missing on some node's disk" 0 "$missing"
check_eq "writer files not at their last acknowledged version (or a later try)" 0 "$wrong"

# The 409 contract across nodes: of the racing PUTs with one If-Match, at most one got a 2xx.
dup=$(cat "$WORK"/w*.log | awk '$1 == "RACE" && $3 ~ /^2/ { n[$2]++ } END { d = 0; for (k in n) if (n[k] > 1) d++; print d }')
wins=$(cat "$WORK"/w*.log | awk '$1 == "RACE" && $3 ~ /^2/' | wc -l)
losses=$(cat "$WORK"/w*.log | awk '$1 == "RACE" && $3 == 409' | wc -l)
check_eq "If-Match values with more than one winning PUT (wins $wins, 409s $losses)" 0 "$dup"

# Through every node: the same bytes, ETag and X-Revision.
for w in 1 "$WORKERS"; do
  r1=$(curl -s -D - --max-time 20 "${AUTH[@]}" "$(U 1 "cluster/w$w.txt")" | tr -d '\r' | grep -i -e '^etag:' -e '^x-revision:' -e '^w')
  for i in 2 3; do
    ri=$(curl -s -D - --max-time 20 "${AUTH[@]}" "$(U "$i" "cluster/w$w.txt")" | tr -d '\r' | grep -i -e '^etag:' -e '^x-revision:' -e '^w')
    check_eq "GET w$w.txt through n$i as through n1" "$r1" "$ri"
  done
done

# git users' branches and tags: pushed with the git CLI through node 2 (forwarded to the leader), each one a
# record of the replicated log, on every node's own disk (the followers apply it within moments of the leader's
# "ok") and listed through every node.
GU() { echo "http://$DAVIT_USER:$DAVIT_PASS@127.0.0.1:${HTTP[$1]}/git/demo/sample.git"; }
if git clone -q "$(GU 1)" "$WORK/clone" 2>"$WORK/clone.err"; then
  git -C "$WORK/clone" -c user.name=Interop -c user.email=interop@localhost commit -q --allow-empty -m "on a feature branch"
  git -C "$WORK/clone" -c user.name=Interop -c user.email=interop@localhost tag -a v1 -m "the first release"
  out=$(git -C "$WORK/clone" push "$(GU 2)" HEAD:refs/heads/feature refs/tags/v1 2>&1); rc=$?
  check_eq "git push of a branch and an annotated tag through n2 ($(tr '\n' ' ' <<<"$out" | head -c 300))" 0 "$rc"
  want="$(git -C "$WORK/clone" rev-parse HEAD) $(git -C "$WORK/clone" rev-parse v1)"
  deadline=$((SECONDS + 30))
  for i in 1 2 3; do
    while :; do
      got="$(g "$i" rev-parse -q --verify refs/heads/feature) $(g "$i" rev-parse -q --verify refs/tags/v1)"
      [[ "$got" == "$want" ]] || (( SECONDS >= deadline )) && break
      sleep 0.2
    done
    check_eq "n$i: refs/heads/feature and refs/tags/v1 on its disk" "$want" "$got"
    listed=$(git ls-remote "$(GU "$i")" refs/heads/feature refs/tags/v1 2>&1 | awk '{ print $1 }' | tr '\n' ' ')
    check_eq "git ls-remote through n$i" "$want " "$listed"
  done
else
  fail "git clone through n1: $(head -c 300 "$WORK/clone.err")"
fi

for i in 1 2 3; do
  n=$(grep -c 'caught up from' "$WORK/node-$i.log")
  (( n > 0 )) && note "n$i caught up by fetching the leader's snapshot and repositories ($n times)"
done
fsck_all
finish cluster
