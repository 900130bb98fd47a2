#!/usr/bin/env bash
# Cluster mode (issue 17): a network partition made with TCP proxies (interop/tcpproxy.py), no root needed.
# Three Davit processes reach each other's Raft ports only through six proxies, one per direction of each pair
# (node i dials node j at the port of proxy i->j, which forwards to j's Raft port). Ratis dials a peer at the
# address its own settings name for it, so each node gets its own cluster.peers: its own Raft port, and the
# proxies' ports for the others. Under load (CLUSTER_WORKERS curl writers, each PUT a new file with unique
# content, through the three nodes in turn), the leader's four proxies are cut (every connection closed both
# ways, new ones refused). Checked: no write sent through the cut-off leader after the cut is acknowledged while
# it is cut off, nor any read through it served from 1.2 s after the cut (its leader lease); the other two elect a
# leader and acknowledge writes; after healing, writes through every node
# are acknowledged again, every node's disk has the same head, every acknowledged write (its path and bytes) is
# on every node's disk, and `git fsck` is clean. Bounded (every wait has a deadline); about a minute.
# Builds nothing; in test-all.sh's default list (CI). Env: CLUSTER_WORKERS (6), DAVIT_JAR, INTEROP_LOGS, INTEROP_KEEP=1.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cluster-lib.sh"

INTEROP_NAME=cluster-partition
say "== cluster-partition =="
need_pkg curl git python3 || exit 1
if [[ -z "${INTEROP_LOGS:-}" ]]; then INTEROP_LOGS=$(mktemp -d /tmp/davit-interop-logs.XXXXXX); fi
mkdir -p "$INTEROP_LOGS"; export INTEROP_LOGS
WORK=$(mktemp -d /tmp/davit-cluster-partition.XXXXXX)
WORKERS=${CLUSTER_WORKERS:-6}
src_jar=${DAVIT_JAR:-$REPO_ROOT/target/davit.jar}
[[ -f "$src_jar" ]] || die "$src_jar is missing (build it: mvn -q -B -DskipTests package)"
JAR=$WORK/davit.jar; cp "$src_jar" "$JAR"
declare -A PID HTTP RAFT PROXY PROXY_PID
worker_pids=()

cleanup() {
  local p
  for p in "${worker_pids[@]}" ${reader_pid:-}; do kill "$p" 2>/dev/null || true; done
  for p in "${PID[@]}" "${PROXY_PID[@]}"; do
    if [[ -n "$p" ]] && kill -0 "$p" 2>/dev/null; then kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null; fi
  done
  cp "$WORK"/node-*.log "$INTEROP_LOGS"/ 2>/dev/null || true
  if [[ "${INTEROP_KEEP:-0}" == 1 ]]; then say "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

read -r -a ports <<<"$(free_ports 12)"
k=0
for i in 1 2 3; do HTTP[$i]=${ports[$k]}; RAFT[$i]=${ports[$((k + 1))]}; k=$((k + 2)); done
for i in 1 2 3; do for j in 1 2 3; do
  [[ $i == "$j" ]] && continue
  PROXY[$i$j]=${ports[$k]}; k=$((k + 1))
done; done
secret=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
for i in 1 2 3; do
  peers=""
  for j in 1 2 3; do
    if [[ $i == "$j" ]]; then port=${RAFT[$j]}; else port=${PROXY[$i$j]}; fi
    peers+="${peers:+,}n$j@127.0.0.1:$port:${HTTP[$j]}"
  done
  { cat "$REPO_ROOT/config/davit.properties"
    printf '\ncluster.enabled=true\ncluster.node.id=n%s\ncluster.peers=%s\ncluster.secret=%s\n' "$i" "$peers" "$secret"
  } >"$WORK/node-$i.properties"
  mkdir -p "$WORK/data-$i"
done

# Proxy i->j: listens on PROXY[ij], forwards to node j's Raft port.
for link in "${!PROXY[@]}"; do
  python3 -u "$INTEROP_DIR/tcpproxy.py" "${PROXY[$link]}" "${RAFT[${link:1:1}]}" >"$WORK/proxy-$link.log" 2>&1 &
  PROXY_PID[$link]=$!
done
for link in "${!PROXY[@]}"; do
  deadline=$((SECONDS + 10))
  until grep -qs ready "$WORK/proxy-$link.log"; do (( SECONDS < deadline )) || die "proxy $link did not start"; sleep 0.1; done
done
# links I SIGNAL: sends SIGNAL to every proxy from or to node I.
links() {
  local link
  for link in "${!PROXY[@]}"; do
    [[ $link == *"$1"* ]] && kill -"$2" "${PROXY_PID[$link]}"
  done
}

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

# leader [NODE...]: the id (n1..n3) that the first of the given live nodes (default all) names on /healthz.
leader() {
  local i l
  for i in "${@:-1 2 3}"; do
    for i in $i; do
      l=$(curl -s -o /dev/null -D - --max-time 5 "http://127.0.0.1:${HTTP[$i]}/healthz" | tr -d '\r' \
          | sed -n 's/^[Xx]-[Dd]avit-[Cc]luster-[Ll]eader: *//p')
      [[ -n "$l" ]] && { echo "$l"; return; }
    done
  done
}

U() { echo "http://127.0.0.1:${HTTP[$1]}/dav/demo/sample/$2"; }
AUTH=(-u "$DAVIT_USER:$DAVIT_PASS")
now_ms() { date +%s%3N; }

# worker W: PUTs part/wW-N.txt with content wW-N through node (W + N) % 3 + 1, until $WORK/stop.
# Logs "START_MS END_MS NODE STATUS CONTENT" per write.
worker() {
  local w=$1 n=0 out=$WORK/w$1.log node code c t
  while [[ ! -e $WORK/stop ]] && (( n < 2000 )); do
    n=$((n + 1)); node=$(( (w + n) % 3 + 1 )); c="w$w-$n"; t=$(now_ms)
    code=$(curl -s -o /dev/null --max-time 15 "${AUTH[@]}" -X PUT --data-binary "$c" -w '%{http_code}' "$(U "$node" "part/$c.txt")")
    echo "$t $(now_ms) $node $code $c" >>"$out"
    [[ "$code" == 2* ]] || sleep 0.2 # 503s come fast: no busy loop while there is no leader
  done
}
# reader I: GETs README.md through node I again and again until $WORK/stop-reader (every request a node serves
# is served from its state alike); logs "START_MS END_MS STATUS" per read.
reader() {
  local i=$1 t code
  while [[ ! -e $WORK/stop-reader ]]; do
    t=$(now_ms)
    code=$(curl -s -o /dev/null --max-time 15 "${AUTH[@]}" -w '%{http_code}' "$(U "$i" README.md)")
    echo "$t $(now_ms) $code" >>"$WORK/reads.log"
    sleep 0.05
  done
}
# acks [NODE]: acknowledged writes so far (through NODE only, when given).
acks() { cat "$WORK"/w*.log 2>/dev/null | awk -v n="${1:-}" '$4 ~ /^2/ && (n == "" || $3 == n)' | wc -l; }


t0=$SECONDS
for i in 1 2 3; do start_node "$i"; done
for i in 1 2 3; do await_started "$i" || exit 1; done
deadline=$((SECONDS + 60))
until [[ $(curl -s -o /dev/null --max-time 5 "${AUTH[@]}" -w '%{http_code}' "$(U 1 README.md)") == 200 ]]; do
  (( SECONDS < deadline )) || die "no leader served the sample within 60 s"
  sleep 0.2
done
code=$(curl -s -o /dev/null --max-time 20 "${AUTH[@]}" -X MKCOL -w '%{http_code}' "$(U 2 part/)")
check_eq "MKCOL through node 2 (all links up)" 201 "$code"
note "leader $(leader), sample served after $((SECONDS - t0)) s"

for w in $(seq 1 "$WORKERS"); do worker "$w" & worker_pids+=($!); done
deadline=$((SECONDS + 60))
while (( $(acks) < 30 && SECONDS < deadline )); do sleep 0.2; done
cut=$(leader); cut=${cut#n}
[[ -n "$cut" ]] || die "no leader known under load"
others=$(for i in 1 2 3; do [[ $i == "$cut" ]] || printf '%s ' "$i"; done)
note "$(acks) writes acknowledged; cutting every link of the leader n$cut"
reader "$cut" & reader_pid=$!
links "$cut" USR1
cut_ms=$(now_ms); t_cut=$SECONDS
before=$(acks)
deadline=$((SECONDS + 45))
while (( $(acks) < before + 20 && SECONDS < deadline )); do sleep 0.2; done
new=$(leader $others)
(( $(acks) >= before + 20 )) && pass "the majority acknowledged writes again $((SECONDS - t_cut)) s after the cut (leader $new)" \
  || fail "no writes acknowledged within 45 s of the cut (leader known to the majority: ${new:-none})"
[[ -n "$new" && "$new" != "n$cut" ]] && pass "the majority elected a new leader ($new)" || fail "no new leader on the majority's side (${new:-none})"
# Held cut until the cut-off node has stepped down (2 s without a majority) and then some: its answers meanwhile count.
while (( SECONDS < t_cut + 8 )); do sleep 0.2; done
touch "$WORK/stop-reader"; wait "$reader_pid"
heal_ms=$(now_ms)
note "healing n$cut's links after $((SECONDS - t_cut)) s"
links "$cut" USR2
t_heal=$SECONDS
# After healing: writes through the formerly cut-off node are acknowledged again (it follows the new leader).
before=$(acks "$cut"); deadline=$((SECONDS + 60))
while (( $(acks "$cut") < before + 5 && SECONDS < deadline )); do sleep 0.2; done
(( $(acks "$cut") >= before + 5 )) && pass "writes through n$cut acknowledged again $((SECONDS - t_heal)) s after healing" \
  || fail "no writes through n$cut acknowledged within 60 s of healing"
touch "$WORK/stop"
for p in "${worker_pids[@]}"; do wait "$p"; done
worker_pids=()
note "$(acks) writes acknowledged in all, $(cat "$WORK"/w*.log | wc -l) tried; answers: $(cat "$WORK"/w*.log \
  | awk '{ n[$4]++ } END { for (k in n) printf "%s x%d ", k, n[k] }')"

# The cut-off leader acknowledged nothing it received after the cut, while it was cut off.
late=$(cat "$WORK"/w*.log | awk -v n="$cut" -v c="$cut_ms" -v h="$heal_ms" '$3 == n && $1 > c && $2 < h && $4 ~ /^2/')
sent=$(cat "$WORK"/w*.log | awk -v n="$cut" -v c="$cut_ms" -v h="$heal_ms" '$3 == n && $1 > c && $2 < h' | wc -l)
check_eq "writes through the cut-off n$cut after the cut acknowledged while it was cut off (of $sent sent)" "" "$late"

# Reads through the cut-off leader: served (2xx) only while its leader lease may still hold, 0.9 s after the
# last heartbeats the others answered were sent (before the cut). A read sent from 1.2 s after the cut, while it
# still believes it leads (it steps down at 2 s) and the others may elect a leader (from 1 s) and write, must be
# answered 503, never from its own possibly stale state. (Without the lease such reads were served until 2 s.)
stale=$(awk -v c="$cut_ms" '$1 > c + 1200 && $3 ~ /^2/' "$WORK/reads.log")
late_reads=$(awk -v c="$cut_ms" '$1 > c + 1200' "$WORK/reads.log" | wc -l)
served_early=$(awk -v c="$cut_ms" '$1 <= c + 1200 && $3 ~ /^2/' "$WORK/reads.log" | wc -l)
check_eq "reads through the cut-off n$cut served from 1.2 s after the cut (of $late_reads; $served_early served before)" "" "$stale"

# acked: the content of every acknowledged write. absent I: how many of them node I's disk lacks on main (by path).
cat "$WORK"/w*.log | awk '$4 ~ /^2/ { print "part/" $5 ".txt" }' | sort >"$WORK/acked"
absent() { g "$1" ls-tree -r --name-only refs/heads/main part/ | sort | comm -23 "$WORK/acked" - | wc -l; }
# Every node's disk at the same head, once it holds every acknowledged write: equal heads alone may be an older
# state the three disks share while the followers learn the last commit index and the appliers catch up.
deadline=$((SECONDS + 60))
while (( SECONDS < deadline )); do
  h1=$(g 1 rev-parse -q --verify refs/heads/main); h2=$(g 2 rev-parse -q --verify refs/heads/main)
  h3=$(g 3 rev-parse -q --verify refs/heads/main)
  [[ -n "$h1" && "$h1" == "$h2" && "$h2" == "$h3" ]] && (( $(absent 1) == 0 )) && break
  sleep 0.5
done
check_eq "the same head on every node's disk (n2, n3 vs n1 $h1)" "$h1 $h1" "$h2 $h3"

# Every acknowledged write (a 2xx, through any node, before, during or after the cut) on every node's disk:
# its file on main with its bytes. One that vanished would be a write lost to the partition.
missing=0
for i in 1 2 3; do
  g "$i" ls-tree -r --name-only refs/heads/main part/ >"$WORK/tree-$i"
  while read -r c; do
    if ! grep -qxF "part/$c.txt" "$WORK/tree-$i" || [[ "$(g "$i" show "refs/heads/main:part/$c.txt")" != "$c" ]]; then
      missing=$((missing + 1)); note "n$i lacks acknowledged $c"
    fi
  done < <(cat "$WORK"/w*.log | awk '$4 ~ /^2/ { print $5 }')
done
check_eq "acknowledged writes missing on some node's disk" 0 "$missing"

fsck_all
finish cluster-partition
