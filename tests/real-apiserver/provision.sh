#!/usr/bin/env bash
# Provision real Kubernetes 1.20 control planes on loopback for ge-console's real-apiserver tier.
#
#   provision.sh build        install packages, fetch + build + cache the binaries (idempotent)
#   provision.sh start N      build if needed, start N control planes, write RUN_DIR/kubeconfig
#   provision.sh stop         stop everything recorded in RUN_DIR by PID (TERM, grace, KILL)
#   provision.sh stop-apiserver I / start-apiserver I   stop or restart control plane I's apiserver
#   provision.sh revoke-token I    drop the revocable token from plane I and restart its apiserver
#
# RUN_DIR defaults to /dev/shm/ge-console-real (etcd data lives there: tmpfs is fast).
set -euo pipefail

CACHE_DIR="${GE_CONSOLE_KUBE_CACHE:-$HOME/.cache/ge-console/kube-1.20}"
RUN_DIR="${GE_CONSOLE_RUN_DIR:-/dev/shm/ge-console-real}"
BIN_DIR="$CACHE_DIR/bin"
# Versions the two kinds of control plane report (relinked with -X ldflags).
VERSIONS=("v1.34.2+k3s1" "v1.33.5")
GRACE_SECONDS="${GE_CONSOLE_STOP_GRACE:-5}"

log() { printf '[provision %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------- packages + build

need_pkgs() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# Add deb-src entries mirroring this machine's own Debian deb entries (same archive, same keyring).
ensure_deb_src() {
  if apt-cache showsrc kubernetes 2>/dev/null | grep -q '^Package: kubernetes'; then return; fi
  local f=/etc/apt/sources.list.d/ge-console-deb-src.sources
  local out=""
  local src
  for src in /etc/apt/sources.list.d/*.sources; do
    [ -f "$src" ] && [ "$src" != "$f" ] || continue
    grep -q 'debian-archive-keyring' "$src" || continue
    out+="$(sed -e 's/^Types: deb$/Types: deb-src/' "$src")"$'\n\n'
  done
  if [ -z "$out" ] && [ -f /etc/apt/sources.list ]; then
    # one-line format: turn each Debian "deb" line into "deb-src"
    local l=/etc/apt/sources.list.d/ge-console-deb-src.list
    grep -E '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' > "$l" || true
  else
    printf '%s' "$out" > "$f"
  fi
  log "added deb-src entries; apt-get update"
  apt-get update -qq
}

binaries_cached() {
  local v
  for v in "${VERSIONS[@]}"; do
    [ -x "$BIN_DIR/$v/kube-apiserver" ] || return 1
  done
  [ -x "$BIN_DIR/kube-controller-manager" ] && [ -x "$BIN_DIR/kube-scheduler" ]
}

write_version_file() { # $1=file $2=gitVersion
  local v="$2" major minor
  major="${v#v}"; major="${major%%.*}"
  minor="${v#v*.}"; minor="${minor%%.*}"
  cat > "$1" <<VF
KUBE_GIT_COMMIT='0000000000000000000000000000000000000000'
KUBE_GIT_TREE_STATE='clean'
KUBE_GIT_VERSION='$v'
KUBE_GIT_MAJOR='$major'
KUBE_GIT_MINOR='$minor'
VF
}

# What running the planes needs (installed on every start) and what building needs.
RUN_PKGS=(etcd-server etcd-client openssl socat curl iproute2 procps util-linux coreutils)
BUILD_PKGS=(golang-go jq rsync make dpkg-dev)

cmd_build() {
  need_pkgs "${RUN_PKGS[@]}"
  if binaries_cached; then log "binaries cached in $BIN_DIR"; return; fi
  need_pkgs "${BUILD_PKGS[@]}"
  ensure_deb_src
  local srcroot="$CACHE_DIR/src"
  mkdir -p "$srcroot"
  local tree
  tree="$(find "$srcroot" -maxdepth 1 -mindepth 1 -type d -name 'kubernetes-*' | head -1)"
  if [ -z "$tree" ]; then
    log "apt-get source kubernetes"
    (cd "$srcroot" && apt-get source -qq kubernetes >/dev/null)
    tree="$(find "$srcroot" -maxdepth 1 -mindepth 1 -type d -name 'kubernetes-*' | head -1)"
  fi
  [ -n "$tree" ] || die "kubernetes source not unpacked in $srcroot"
  log "building in $tree (this takes several minutes)"
  mkdir -p "$BIN_DIR"
  local v
  for v in "${VERSIONS[@]}"; do
    write_version_file "$CACHE_DIR/version-$v" "$v"
    (cd "$tree" && KUBE_GIT_VERSION_FILE="$CACHE_DIR/version-$v" \
      make WHAT="cmd/kube-apiserver cmd/kube-controller-manager cmd/kube-scheduler" >"$CACHE_DIR/build-$v.log" 2>&1) \
      || { tail -30 "$CACHE_DIR/build-$v.log" >&2; die "make failed (log: $CACHE_DIR/build-$v.log)"; }
    mkdir -p "$BIN_DIR/$v"
    cp "$tree/_output/bin/kube-apiserver" "$BIN_DIR/$v/kube-apiserver"
    if [ "$v" = "${VERSIONS[0]}" ]; then
      cp "$tree/_output/bin/kube-controller-manager" "$tree/_output/bin/kube-scheduler" "$BIN_DIR/"
    fi
  done
  "$BIN_DIR/${VERSIONS[0]}/kube-apiserver" --version >&2
  "$BIN_DIR/${VERSIONS[1]}/kube-apiserver" --version >&2
  log "binaries cached in $BIN_DIR"
}

# ---------------------------------------------------------------- processes

# Start a command detached in its own session; record its PID in $1.pid, command line in $1.cmd.
spawn() { # $1=name (path prefix in a plane dir) $2=log; rest: command
  local name="$1" logf="$2"; shift 2
  printf '%q ' "$@" > "$name.cmd"
  rm -f "$name.pid"
  # The child writes its own PID before exec'ing the command, so the PID file names the
  # process itself (and, through setsid, its process group) whether or not setsid forks.
  setsid bash -c 'echo $$ > "$0"; exec "$@"' "$name.pid" "$@" </dev/null >>"$logf" 2>&1 &
  local i
  for ((i = 0; i < 50; i++)); do [ -s "$name.pid" ] && return; sleep 0.1; done
  die "$name did not start"
}

# Stop the process recorded in $1.pid (and its process group): TERM, grace, KILL.
stop_pidfile() {
  local f="$1" pid i
  [ -f "$f" ] || return 0
  pid="$(cat "$f")"
  rm -f "$f"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < GRACE_SECONDS * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  log "WARNING: pid $pid survived SIGKILL"
}

# Free when no socket at all (listening or connected) holds the port.
port_free() { ! ss -Htan "sport = :$1" 2>/dev/null | grep -q .; }

# Ports are picked below the kernel's ephemeral range: a port inside it can be taken as
# the source port of an outgoing connection (the first apiserver talking to its etcd)
# between being picked and the next apiserver binding it.
EPHEMERAL_LOW=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
PORT_FLOOR=10000
PORT_SPAN=$(( EPHEMERAL_LOW > PORT_FLOOR + 1000 ? EPHEMERAL_LOW - PORT_FLOOR : 1000 ))

# A free loopback port not handed out before in this run.
ALLOCATED=" "
free_port() {
  local p i
  for ((i = 0; i < 200; i++)); do
    p=$((PORT_FLOOR + RANDOM % PORT_SPAN))
    case "$ALLOCATED" in *" $p "*) continue ;; esac
    if port_free "$p"; then ALLOCATED+="$p "; echo "$p"; return; fi
  done
  die "no free port found"
}

# Wait (bounded) until $1 succeeds; $2 = what, $3 = seconds, $4 = pid that must stay alive.
wait_for() {
  local check="$1" what="$2" secs="$3" pid="${4:-}" i
  log "waiting for $what"
  for ((i = 0; i < secs * 5; i++)); do
    if eval "$check" >/dev/null 2>&1; then return 0; fi
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then return 1; fi
    sleep 0.2
  done
  return 1
}

# ---------------------------------------------------------------- certificates + auth

gen_pki() {
  local d="$RUN_DIR/pki"
  mkdir -p "$d"
  [ -f "$d/ca.crt" ] && return
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=ge-console-test-ca" \
    -keyout "$d/ca.key" -out "$d/ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=kube-apiserver" \
    -keyout "$d/apiserver.key" -out "$d/apiserver.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default\nextendedKeyUsage=serverAuth\n' > "$d/apiserver.ext"
  openssl x509 -req -in "$d/apiserver.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial \
    -days 3650 -extfile "$d/apiserver.ext" -out "$d/apiserver.crt" 2>/dev/null
  openssl genrsa -out "$d/sa.key" 2048 2>/dev/null
  openssl rsa -in "$d/sa.key" -pubout -out "$d/sa.pub" 2>/dev/null
}

# Static tokens: admin (system:masters) and a reader whose rights come only from RBAC.
gen_tokens() {
  local d="$RUN_DIR/pki"
  [ -f "$d/tokens.csv" ] && return
  local admin reader
  admin="$(openssl rand -hex 24)"
  reader="$(openssl rand -hex 24)"
  printf '%s,ge-admin,ge-admin-uid,"system:masters"\n%s,ge-reader,ge-reader-uid\n' "$admin" "$reader" > "$d/tokens.csv"
  echo "$admin" > "$d/admin.token"
  echo "$reader" > "$d/reader.token"
  chmod 600 "$d"/*.token "$d/tokens.csv" "$d"/*.key
}

audit_policy() {
  cat > "$RUN_DIR/pki/audit-policy.yaml" <<'AP'
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
  - level: Metadata
AP
}

# ---------------------------------------------------------------- one control plane

plane_dir() { echo "$RUN_DIR/plane-$1"; }

# Loads the plane's ports from plane.env.
load_plane() {
  local f
  f="$(plane_dir "$1")/plane.env"
  [ -f "$f" ] || die "no control plane $1 in $RUN_DIR"
  # shellcheck disable=SC1090
  . "$f"
}

start_etcd() {
  local i="$1" d; d="$(plane_dir "$i")"; load_plane "$i"
  spawn "$d/etcd" "$d/etcd.log" etcd --name "plane-$i" --data-dir "$d/etcd-data" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "plane-$i=http://127.0.0.1:$ETCD_PEER_PORT" --initial-cluster-state new \
    --log-level warn --logger zap --quota-backend-bytes 2147483648
  wait_for "ETCDCTL_API=3 etcdctl --endpoints=http://127.0.0.1:$ETCD_PORT endpoint health" "etcd $i" 30 "$(cat "$d/etcd.pid")" \
    || { tail -20 "$d/etcd.log" >&2; die "etcd of plane $i did not become healthy"; }
}

# The apiserver talks to etcd through a TCP proxy, so a test can cut that link (and compact
# etcd meanwhile) without stopping etcd: the honest way to force a 410 on a resumed watch.
start_etcd_proxy() {
  local i="$1" d; d="$(plane_dir "$i")"; load_plane "$i"
  spawn "$d/etcd-proxy" "$d/etcd-proxy.log" socat \
    "TCP-LISTEN:$ETCD_PROXY_PORT,bind=127.0.0.1,reuseaddr,fork" "TCP:127.0.0.1:$ETCD_PORT"
  wait_for "! port_free $ETCD_PROXY_PORT" "etcd proxy $i" 10 "$(cat "$d/etcd-proxy.pid")" \
    || die "etcd proxy of plane $i did not listen"
}

start_apiserver() {
  local i="$1" d p; d="$(plane_dir "$i")"; load_plane "$i"; p="$RUN_DIR/pki"
  spawn "$d/apiserver" "$d/apiserver.log" "$BIN_DIR/$VERSION/kube-apiserver" \
    --etcd-servers="http://127.0.0.1:$ETCD_PROXY_PORT" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$API_PORT" --insecure-port=0 \
    --cert-dir="$d/certs" --tls-cert-file="$p/apiserver.crt" --tls-private-key-file="$p/apiserver.key" \
    --token-auth-file="$p/tokens.csv" --authorization-mode=RBAC \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$p/sa.pub" --service-account-signing-key-file="$p/sa.key" \
    --service-cluster-ip-range=10.96.0.0/16 --endpoint-reconciler-type=none \
    --audit-policy-file="$p/audit-policy.yaml" --audit-log-path="$d/audit.log" \
    --profiling=false --v=1
  wait_for "curl -sf --cacert $p/ca.crt -H 'Authorization: Bearer $(cat "$p/admin.token")' https://127.0.0.1:$API_PORT/healthz" \
    "apiserver $i" 90 "$(cat "$d/apiserver.pid")" \
    || { tail -30 "$d/apiserver.log" >&2; die "kube-apiserver of plane $i did not become healthy"; }
}

start_controllers() {
  local i="$1" d p; d="$(plane_dir "$i")"; load_plane "$i"; p="$RUN_DIR/pki"
  spawn "$d/controller-manager" "$d/controller-manager.log" "$BIN_DIR/kube-controller-manager" \
    --kubeconfig="$d/admin.kubeconfig" --leader-elect=false --port=0 --secure-port=0 \
    --controllers='*,-nodelifecycle,-nodeipam,-csrsigning,-csrapproving,-csrcleaner,-attachdetach,-persistentvolume-binder,-persistentvolume-expander,-pv-protection,-pvc-protection,-ephemeral-volume' \
    --service-account-private-key-file="$p/sa.key" --root-ca-file="$p/ca.crt" --v=1
  spawn "$d/scheduler" "$d/scheduler.log" "$BIN_DIR/kube-scheduler" \
    --kubeconfig="$d/admin.kubeconfig" --leader-elect=false --port=0 --secure-port=0 --v=1
}

write_plane_kubeconfig() { # the admin kubeconfig the controllers use
  local i="$1" d; d="$(plane_dir "$i")"; load_plane "$i"
  cat > "$d/admin.kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters:
- name: plane-$i
  cluster: {server: "https://127.0.0.1:$API_PORT", certificate-authority: "$RUN_DIR/pki/ca.crt"}
users:
- name: admin
  user: {token: "$(cat "$RUN_DIR/pki/admin.token")"}
contexts:
- name: plane-$i
  context: {cluster: plane-$i, user: admin}
current-context: plane-$i
KC
}

# The kubeconfig for tests and people: contexts ge-real-I (admin) and ge-real-I-reader.
write_kubeconfig() {
  local n="$1" i ca out="$RUN_DIR/kubeconfig"
  ca="$(base64 -w0 < "$RUN_DIR/pki/ca.crt")"
  {
    echo "apiVersion: v1"; echo "kind: Config"; echo "clusters:"
    for ((i = 0; i < n; i++)); do
      load_plane "$i"
      echo "- name: ge-real-$i"
      echo "  cluster: {server: \"https://127.0.0.1:$API_PORT\", certificate-authority-data: \"$ca\"}"
    done
    echo "users:"
    echo "- name: ge-admin"; echo "  user: {token: \"$(cat "$RUN_DIR/pki/admin.token")\"}"
    echo "- name: ge-reader"; echo "  user: {token: \"$(cat "$RUN_DIR/pki/reader.token")\"}"
    echo "contexts:"
    for ((i = 0; i < n; i++)); do
      echo "- name: ge-real-$i"; echo "  context: {cluster: ge-real-$i, user: ge-admin}"
      echo "- name: ge-real-$i-reader"; echo "  context: {cluster: ge-real-$i, user: ge-reader}"
    done
    echo "current-context: ge-real-0"
  } > "$out.tmp"
  mv "$out.tmp" "$out"
  chmod 600 "$out"
}

on_start_exit() {
  local rc=$?
  if [ "$rc" -ne 0 ]; then log "start failed; stopping what was started"; cmd_stop; fi
}

cmd_start() {
  local n="${1:-2}" i d t0
  [[ "$n" =~ ^[1-8]$ ]] || die "start N: N must be 1..8"
  t0=$(date +%s)
  cmd_build
  if [ -f "$RUN_DIR/planes" ]; then log "stopping the previous run in $RUN_DIR"; cmd_stop; fi
  rm -rf "$RUN_DIR"; mkdir -p "$RUN_DIR"
  # Anything started before a failure is stopped again.
  trap on_start_exit EXIT
  echo "$n" > "$RUN_DIR/planes"
  gen_pki; gen_tokens; audit_policy
  for ((i = 0; i < n; i++)); do
    d="$(plane_dir "$i")"; mkdir -p "$d/certs"
    cat > "$d/plane.env" <<PE
PLANE=$i
VERSION=${VERSIONS[$((i % ${#VERSIONS[@]}))]}
ETCD_PORT=$(free_port)
ETCD_PEER_PORT=$(free_port)
ETCD_PROXY_PORT=$(free_port)
API_PORT=$(free_port)
PE
    write_plane_kubeconfig "$i"
    start_etcd "$i"; start_etcd_proxy "$i"
  done
  for ((i = 0; i < n; i++)); do start_apiserver "$i"; start_controllers "$i"; done
  write_kubeconfig "$n"
  trap - EXIT
  log "$n control plane(s) up in $(( $(date +%s) - t0 ))s; kubeconfig: $RUN_DIR/kubeconfig"
  echo "export GE_CONSOLE_REAL_APISERVER=$RUN_DIR"
}

cmd_stop() {
  [ -d "$RUN_DIR" ] || return 0
  local d name f pid pids=() i alive
  for d in "$RUN_DIR"/plane-*; do
    [ -d "$d" ] || continue
    for name in scheduler controller-manager apiserver etcd-proxy etcd; do
      f="$d/$name.pid"
      [ -f "$f" ] || continue
      pid="$(cat "$f")"; rm -f "$f"
      [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && pids+=("$pid")
    done
  done
  # All at once: TERM every process group, wait out the grace period, KILL what is left.
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true; done
  for ((i = 0; i < GRACE_SECONDS * 10; i++)); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
  rm -f "$RUN_DIR/planes"
  log "stopped everything in $RUN_DIR (${#pids[@]} process groups)"
}

case "${1:-}" in
  build) cmd_build ;;
  start) cmd_start "${2:-2}" ;;
  stop) cmd_stop ;;
  stop-apiserver) load_plane "${2:?plane}"; stop_pidfile "$(plane_dir "$2")/apiserver.pid" ;;
  start-apiserver) load_plane "${2:?plane}"; start_apiserver "$2" ;;
  cut-etcd) load_plane "${2:?plane}"; stop_pidfile "$(plane_dir "$2")/etcd-proxy.pid" ;;
  restore-etcd) load_plane "${2:?plane}"; start_etcd_proxy "$2" ;;
  *) echo "usage: $0 build | start N | stop | stop-apiserver I | start-apiserver I | cut-etcd I | restore-etcd I" >&2; exit 2 ;;
esac
