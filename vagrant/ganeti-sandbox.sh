#!/usr/bin/env bash
# ganeti-sandbox.sh - a REAL Ganeti 3.0.2 cluster (one or two nodes) on this
# Debian 12 machine, for GanetiWebManager's e2e/contract tests, CI and Vagrant.
#
# Nothing is mocked: the nodes run Debian's ganeti packages, node 2 joins with
# the real `gnt-node add` over ssh, instances run on the `fake` hypervisor or as
# real qemu guests (kvm hypervisor, TCG).  Each node is a set of namespaces:
#
#   netns gwm-nodeN   bridge gnt-br0 10.200.0.N/24 (+ master IP 10.200.0.254),
#                     no uplink, no default route: nothing can leave the sandbox
#   UTS ns            hostname nodeN.ganeti.test (the host keeps its own name)
#   mount ns          per-node /var/lib/ganeti, /run/ganeti, /var/log/ganeti,
#                     /srv/ganeti, /root (ssh keys), /etc/ganeti, /etc/default/ganeti
#                     bind-mounted from /var/lib/gwm-sandbox, so the host's files
#                     are never written
#
# The only thing visible from the host is a forwarder (sandbox-forwarder.py,
# next to this script) listening on 127.0.0.1: RAPI on GS_RAPI_PORT and the VNC
# port range, with its outgoing connections made inside the sandbox network.
#
# Facts and pitfalls behind the choices below are in the shared reference
# docs (shared/docs/reference/real-ganeti.md and real-ganeti-2node.md).
#
# Usage: see `usage` below or run `bash vagrant/ganeti-sandbox.sh help`.

set -euo pipefail

# --------------------------------------------------------------------------
# Settings (environment)
# --------------------------------------------------------------------------
GS_NODES=${GS_NODES:-2}
GS_RAPI_PORT=${GS_RAPI_PORT:-5080}
GS_VNC_PORTS=${GS_VNC_PORTS:-11000-11099}
GS_LISTEN=${GS_LISTEN:-127.0.0.1}
GS_RAPI_USER=${GS_RAPI_USER:-gwm-admin}
GS_RAPI_PASSWORD=${GS_RAPI_PASSWORD:-gwm-sandbox-write}
GS_RAPI_RO_USER=${GS_RAPI_RO_USER:-gwm-ro}
GS_RAPI_RO_PASSWORD=${GS_RAPI_RO_PASSWORD:-gwm-sandbox-read}
GS_KVM=${GS_KVM:-1}

# --------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------
SCRIPT_PATH=$(readlink -f "${BASH_SOURCE[0]}")
SCRIPT_DIR=$(dirname "$SCRIPT_PATH")
readonly SCRIPT_PATH SCRIPT_DIR
readonly FORWARDER=$SCRIPT_DIR/sandbox-forwarder.py

readonly DATA_DIR=/var/lib/gwm-sandbox        # kept by `down`, wiped by `reset`
readonly RUN_DIR=/run/gwm-sandbox             # runtime only, removed by `down`
readonly NS_DIR=$RUN_DIR/ns                   # persistent UTS/mount ns handles
readonly LOG_DIR=$DATA_DIR/log
readonly SHARED_DIR=$DATA_DIR/shared          # shared-file-storage + OS provider
readonly ETC_DIR=$DATA_DIR/etc                # sandbox views of /etc/ganeti, /etc/default/ganeti
readonly LOCK_FILE=/run/lock/gwm-sandbox.lock
readonly LOCK_FD=9

readonly MAX_NODES=2
readonly NS_PREFIX=gwm-node
readonly DOMAIN=ganeti.test
readonly CLUSTER_NAME=cluster.$DOMAIN
readonly NET_PREFIX=10.200.0
readonly MASTER_IP=$NET_PREFIX.254
readonly GANETI_RAPI_PORT=5080 # ganeti-rapi's own port inside the sandbox
readonly NETMASK=24
# Wildcard DNS answer for every unknown name (instance names).  Nothing routes
# to it, so Ganeti's ip_check gets ENETUNREACH at once ("address not in use").
readonly SINK_IP=10.201.0.1
readonly BRIDGE=gnt-br0
readonly SANDBOX_OS=sandbox
readonly SAFE_PATH=/usr/sbin:/usr/bin:/sbin:/bin
readonly SYS_PYTHON=/usr/bin/python3
readonly CURL_TIMEOUT=5

# Daemons started per node, in this order; then the master daemons on the
# master only (on any other node they exit 11 "not master").
readonly NODE_DAEMONS=(noded mond confd)
readonly MASTER_DAEMONS=(wconfd rapi luxid)

START_TIME=$EPOCHREALTIME

# --------------------------------------------------------------------------
# Output helpers
# --------------------------------------------------------------------------
elapsed() {
  local now=$EPOCHREALTIME
  printf '%.1f' "$(bc_sub "$now" "$START_TIME")"
}

# Float subtraction without bc (not installed everywhere).
bc_sub() {
  awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'
}

say() { printf '[gwm-sandbox +%ss] %s\n' "$(elapsed)" "$*" >&2; }
warn() { printf '[gwm-sandbox] WARNING: %s\n' "$*" >&2; }
die() {
  printf '[gwm-sandbox] ERROR: %s\n' "$*" >&2
  exit 1
}

usage() {
  cat <<EOF
Usage: bash ${SCRIPT_PATH#"$PWD"/} COMMAND [ARGS]

A real Ganeti 3.0.2 cluster (one or two nodes) in network namespaces, with
RAPI and VNC forwarded to ${GS_LISTEN}.  Must run as root.

Commands:
  up                      install packages if missing, create the namespaces,
                          init or resume the cluster, add node 2, start the
                          forwarder, wait for RAPI; prints URL and credentials
  down                    stop everything this script started, remove its
                          namespaces and mounts; keeps the cluster state
  reset                   down + wipe the cluster state (next up = fresh init)
  status                  human-readable state; exit 0 only when up and healthy
  env                     print 'export GANETI_*=...' lines (eval them)
  exec CMD...             run CMD on the current master node (e.g. gnt-instance list)
  exec-node N CMD...      run CMD on node N
  master-failover [--no-voting]
                          make the other node master and wait for RAPI
  node-down N             simulate a crash of node N (kill its processes,
                          empty its /run/ganeti)
  node-up N               boot node N again
  help                    this text

Settings (environment, defaults in brackets; read by 'up', which saves them
for the other commands):
  GS_NODES [2]            1 or 2 nodes; a later plain 'up' adds node 2
  GS_RAPI_PORT [5080]     RAPI port on GS_LISTEN
  GS_VNC_PORTS [11000-11099]  forwarded VNC port range
  GS_LISTEN [127.0.0.1]   listen address (must be a loopback address)
  GS_RAPI_USER / GS_RAPI_PASSWORD [gwm-admin / gwm-sandbox-write]   write user
  GS_RAPI_RO_USER / GS_RAPI_RO_PASSWORD [gwm-ro / gwm-sandbox-read] read-only user
  GS_KVM [1]              1: install qemu and enable the kvm hypervisor
EOF
}

# --------------------------------------------------------------------------
# Naming helpers
# --------------------------------------------------------------------------
ns_of() { echo "$NS_PREFIX$1"; }
host_of() { echo "node$1.$DOMAIN"; }
ip_of() { echo "$NET_PREFIX.$1"; }
node_dir() { echo "$DATA_DIR/node$1"; }
node_lib() { echo "$DATA_DIR/node$1/lib"; }
node_run_dir() { echo "$DATA_DIR/node$1/run"; }

# node2.ganeti.test -> 2
index_of_host() {
  local h=$1 n
  for ((n = 1; n <= MAX_NODES; n++)); do
    [[ $h == "$(host_of "$n")" ]] && { echo "$n"; return 0; }
  done
  return 1
}

# --------------------------------------------------------------------------
# Settings validation
# --------------------------------------------------------------------------
VNC_FIRST=0
VNC_LAST=0

validate_settings() {
  [[ $GS_NODES =~ ^[12]$ ]] || die "GS_NODES must be 1 or 2 (got '$GS_NODES')"
  [[ $GS_KVM =~ ^[01]$ ]] || die "GS_KVM must be 0 or 1 (got '$GS_KVM')"
  if ! [[ $GS_RAPI_PORT =~ ^[0-9]+$ ]] || ((GS_RAPI_PORT < 1 || GS_RAPI_PORT > 65535)); then
    die "GS_RAPI_PORT must be a TCP port (got '$GS_RAPI_PORT')"
  fi
  [[ $GS_VNC_PORTS =~ ^([0-9]+)-([0-9]+)$ ]] || die "GS_VNC_PORTS must look like 11000-11099 (got '$GS_VNC_PORTS')"
  VNC_FIRST=${BASH_REMATCH[1]}
  VNC_LAST=${BASH_REMATCH[2]}
  ((VNC_FIRST <= VNC_LAST && VNC_LAST < 65536)) || die "GS_VNC_PORTS: bad range '$GS_VNC_PORTS'"
  ((GS_RAPI_PORT < VNC_FIRST || GS_RAPI_PORT > VNC_LAST)) || die "GS_RAPI_PORT lies inside GS_VNC_PORTS"
  # Hard rule: nothing of the sandbox may listen on a non-loopback host address.
  [[ $GS_LISTEN =~ ^127\.[0-9]+\.[0-9]+\.[0-9]+$ ]] ||
    die "GS_LISTEN must be an IPv4 loopback address (127.x.y.z), got '$GS_LISTEN'"
  local v
  for v in GS_RAPI_USER GS_RAPI_PASSWORD GS_RAPI_RO_USER GS_RAPI_RO_PASSWORD; do
    [[ -n ${!v} && ${!v} != *[[:space:]]* ]] || die "$v must be non-empty without whitespace"
  done
  [[ $GS_RAPI_USER != "$GS_RAPI_RO_USER" ]] || die "GS_RAPI_USER and GS_RAPI_RO_USER must differ"
}

# `up` records the settings it used; the other commands read them back, so
# `env`, `status` and friends describe the running sandbox even when called
# with a different (or empty) environment.
readonly SAVED_SETTINGS=(GS_RAPI_PORT GS_VNC_PORTS GS_LISTEN GS_RAPI_USER GS_RAPI_PASSWORD
  GS_RAPI_RO_USER GS_RAPI_RO_PASSWORD GS_KVM)

save_settings() {
  local v
  for v in "${SAVED_SETTINGS[@]}"; do
    printf '%s=%s\n' "$v" "$(shell_quote "${!v}")"
  done | write_file "$RUN_DIR/settings" 0600
}

load_settings() {
  if [[ -f $RUN_DIR/settings ]]; then
    # shellcheck source=/dev/null
    . "$RUN_DIR/settings"
  fi
  validate_settings
}

# Single-quote a value for `eval` unless it is made of harmless characters.
shell_quote() {
  if [[ $1 =~ ^[A-Za-z0-9_./:@+=-]*$ ]]; then
    printf '%s' "$1"
  else
    printf "'%s'" "${1//\'/\'\\\'\'}"
  fi
}

require_root() {
  [[ $EUID -eq 0 ]] || die "must run as root (namespaces, mounts, apt)"
}

# --------------------------------------------------------------------------
# Locking: two invocations must never interleave (CI, tests and a developer
# may call the script at the same time).
# --------------------------------------------------------------------------
acquire_lock() {
  mkdir -p "$(dirname "$LOCK_FILE")"
  exec 9>>"$LOCK_FILE" # fd 9 = LOCK_FD, closed for everything started on a node
  if ! flock -n "$LOCK_FD"; then
    say "waiting for another ganeti-sandbox.sh invocation ($LOCK_FILE)"
    flock -w 900 "$LOCK_FD" || die "timed out waiting for $LOCK_FILE"
  fi
}

# --------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------
# write_file DEST MODE [OWNER:GROUP] < content
# Atomic and idempotent: the content goes to a temp file in the same
# directory, which gets its final owner and mode BEFORE it is renamed over
# DEST.  A reader (ganeti-rapi watches its users file with inotify) can never
# see a half-written file or one with the wrong owner/mode - seen as a
# permanent 401 when the file was written in place.  Unchanged files are not
# touched at all (cheap check first: `up` on a running sandbox must be fast).
# Text files only; the file always ends with exactly one newline.
# Sets WROTE=1 when DEST was (re)written.
WROTE=0
write_file() {
  local dest=$1 mode=$2 owner=${3:-root:root} content tmp
  content=$(cat)
  WROTE=0
  if [[ -f $dest && $(<"$dest") == "$content" && $(stat -c '%a %U:%G' "$dest") == "${mode#0} $owner" ]]; then
    return 0
  fi
  tmp=$(mktemp "$dest.tmp.XXXXXX")
  printf '%s\n' "$content" >"$tmp"
  chown "$owner" "$tmp"
  chmod "$mode" "$tmp"
  mv -f "$tmp" "$dest"
  WROTE=1
}

# --------------------------------------------------------------------------
# Packages
# --------------------------------------------------------------------------
required_packages() {
  # openssh-server is a hard dependency of ganeti anyway; listed because the
  # sandbox runs its sshd (gnt-node add needs ssh).
  local pkgs=(ganeti ganeti-os-noop dnsmasq-base socat openssh-server iproute2 curl openssl)
  [[ $GS_KVM == 1 ]] && pkgs+=(qemu-system-x86)
  echo "${pkgs[@]}"
}

missing_packages() {
  local status p missing=()
  local -a pkgs
  read -ra pkgs <<<"$(required_packages)"
  status=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${pkgs[@]}" 2>/dev/null || true)
  for p in "${pkgs[@]}"; do
    grep -q "^$p ii" <<<"$status" || missing+=("$p")
  done
  echo "${missing[@]}"
}

apt_get() {
  DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=900 \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@"
}

ensure_packages() {
  local -a missing
  read -ra missing <<<"$(missing_packages)"
  ((${#missing[@]} == 0)) && return 0

  say "installing: ${missing[*]} (log: $LOG_DIR/apt.log)"
  # Maintainer scripts must not start daemons in the host namespaces.  This
  # image already has a policy-rc.d that forbids it; create one otherwise.
  local own_policy=0 rc=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\n# temporary, ganeti-sandbox.sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 0755 /usr/sbin/policy-rc.d
    own_policy=1
  fi
  {
    # Fresh machines have no (or stale) package lists.
    if ! apt-cache policy ganeti 2>/dev/null | grep -q 'Candidate: [0-9]'; then
      apt_get update
    fi
    apt_get install -y --no-install-recommends "${missing[@]}" ||
      { apt_get update && apt_get install -y --no-install-recommends "${missing[@]}"; }
  } >>"$LOG_DIR/apt.log" 2>&1 || rc=$?
  ((own_policy)) && rm -f /usr/sbin/policy-rc.d
  if ((rc != 0)); then
    tail -n 30 "$LOG_DIR/apt.log" >&2
    die "package installation failed (see $LOG_DIR/apt.log)"
  fi
  say "packages installed"
}

# --------------------------------------------------------------------------
# Conflicts with other sandboxes / other users of the ports
# --------------------------------------------------------------------------
refuse_foreign_sandboxes() {
  local h name
  for h in /run/netns/*; do
    [[ -e $h ]] || continue
    name=${h##*/}
    case $name in
      ganeti-sandbox | gsb2-*)
        die "another Ganeti sandbox is running (network namespace '$name'); stop it first (its own 'down' command)"
        ;;
    esac
  done
  # Our forwarder holds all our ports; anything else on them is a conflict.
  forwarder_pid >/dev/null && return 0
  local busy
  busy=$(ss -Hltnp 2>/dev/null | awk -v lo="$VNC_FIRST" -v hi="$VNC_LAST" -v rp="$GS_RAPI_PORT" -v la="$GS_LISTEN" '
    { n = split($4, a, ":"); port = a[n]; addr = substr($4, 1, length($4) - length(port) - 1)
      gsub(/[][]/, "", addr)
      if ((port == rp || (port >= lo && port <= hi)) &&
          (addr == la || addr == "0.0.0.0" || addr == "*" || addr == "::"))
        print $4 " " $6 }')
  [[ -z $busy ]] || die "port(s) needed by the sandbox are in use by something else:
$busy"
}

# --------------------------------------------------------------------------
# Host-side preparation (only empty mount points and sandbox-owned files)
# --------------------------------------------------------------------------
prepare_host() {
  mkdir -p "$DATA_DIR" "$RUN_DIR" "$LOG_DIR" "$SHARED_DIR/shared-file-storage" \
    "$SHARED_DIR/os" "$ETC_DIR" "$NS_DIR"
  chmod 0755 "$DATA_DIR" "$RUN_DIR"
  # Bind targets must exist on the host.  All but /srv/ganeti and /run/sshd
  # (sshd's privilege-separation dir) come with the packages; these are
  # created empty and never written to from the host.
  local d
  for d in /var/lib/ganeti /run/ganeti /var/log/ganeti /srv/ganeti /run/sshd /etc/ganeti; do
    [[ -d $d ]] || mkdir -p "$d"
  done
  # The host keeps its ssh host key; the nodes' sshd reads it (read only).
  # Ganeti's init records it as the cluster-wide known host key, so every
  # node must present this same key.
  if [[ ! -f /etc/ssh/ssh_host_rsa_key ]]; then
    say "generating the host's missing ssh host keys (ssh-keygen -A)"
    ssh-keygen -A >/dev/null
  fi
  # `unshare --mount=FILE` cannot bind its handle onto a shared mount (the
  # default under systemd): keep the handles on a private bind mount.
  if ! mountpoint -q "$NS_DIR"; then
    mount --bind "$NS_DIR" "$NS_DIR"
  fi
  mount --make-private "$NS_DIR"
}

write_default_ganeti() {
  # Debian binds ganeti-rapi to 127.0.0.1, i.e. the loopback of the node's
  # netns.  The forwarder reaches RAPI through the floating master IP (so it
  # follows master-failover), hence 0.0.0.0 - which is still only inside the
  # isolated netns.  Bind-mounted over /etc/default/ganeti in the nodes only.
  local src=/etc/default/ganeti content
  content=$(grep -v '^RAPI_ARGS=' "$src" 2>/dev/null || true)
  printf '%s\n# ganeti-sandbox.sh: RAPI must answer on the master IP\nRAPI_ARGS="-b 0.0.0.0 --require-authentication"\n' \
    "$content" | write_file "$ETC_DIR/default-ganeti" 0644
}

# The nodes see $ETC_DIR/ganeti as /etc/ganeti: a copy of the package's
# /etc/ganeti (the lib/share symlinks daemon-util needs) plus
# file-storage-paths, without which `gnt-cluster init` with file/sharedfile
# fails ("No paths are valid").  Refreshed only while no node uses it.
write_etc_ganeti() {
  local dir=$ETC_DIR/ganeti
  if [[ ! -d $dir ]] || ! any_node_namespace; then
    rm -rf "$dir.new"
    mkdir -p "$dir.new"
    cp -a /etc/ganeti/. "$dir.new/"
    rm -f "$dir.new/file-storage-paths"
    rm -rf "$dir"
    mv "$dir.new" "$dir"
  fi
  printf '/srv/ganeti/file-storage\n/srv/ganeti/shared-file-storage\n' |
    write_file "$dir/file-storage-paths" 0644
}

# Test OS provider "sandbox" (OS API 20): variants default/minimal/slow,
# parameters delay=<seconds> and fail=true.  Ganeti runs OS create only for
# templates with disks (file/sharedfile), never for diskless.
write_os_provider() {
  local os=$SHARED_DIR/os/$SANDBOX_OS
  mkdir -p "$os"
  echo 20 | write_file "$os/ganeti_api_version" 0644
  printf 'default\nminimal\nslow\n' | write_file "$os/variants.list" 0644
  printf '%s\n' \
    'delay Seconds the create script waits before finishing (whole number)' \
    'fail Set to true to make the create script fail (tests the error path)' |
    write_file "$os/parameters.list" 0644

  write_file "$os/common.sh" 0644 <<'EOS'
# Shared by the scripts of the GanetiWebManager sandbox OS (Ganeti OS API 20).
OS_LOG_DIR=/var/log/ganeti/sandbox-os
mkdir -p "$OS_LOG_DIR"

oslog() {
  printf '%s %s %s[%s]: %s\n' "$(date '+%Y-%m-%d %H:%M:%S')" "${INSTANCE_NAME:--}" \
    "$SCRIPT" "${OS_VARIANT:-default}" "$*" >>"$OS_LOG_DIR/os.log"
}

fail() {
  echo "sandbox OS: $*" >&2
  oslog "FAILED: $*"
  exit 1
}

# verify rejects bad values synchronously; create/import re-check them.
check_params() {
  if [ -n "${OSP_DELAY:-}" ]; then
    case "$OSP_DELAY" in
      *[!0-9]*) fail "invalid value for 'delay': '$OSP_DELAY' (expected whole seconds)" ;;
    esac
  fi
  case "${OSP_FAIL:-}" in
    '' | true | false) ;;
    *) fail "invalid value for 'fail': '$OSP_FAIL' (expected true or false)" ;;
  esac
}
EOS

  write_file "$os/create" 0755 <<'EOS'
#!/bin/sh
set -e
SCRIPT=create
. "$(dirname "$0")/common.sh"
check_params
oslog "start: disks=${DISK_COUNT:-0} nics=${NIC_COUNT:-0} hypervisor=${HYPERVISOR:-?}"
if [ "${OS_VARIANT:-default}" = slow ]; then
  sleep 5
fi
if [ -n "${OSP_DELAY:-}" ]; then
  sleep "$OSP_DELAY"
fi
if [ "${OSP_FAIL:-false}" = true ]; then
  fail "failing on request (osparam fail=true)"
fi
# "Install" something recognisable on the first disk (not for minimal).
if [ "${OS_VARIANT:-default}" != minimal ] && [ -n "${DISK_0_PATH:-}" ] && [ -w "$DISK_0_PATH" ]; then
  printf 'GWM-SANDBOX-OS %s\n' "$INSTANCE_NAME" | dd of="$DISK_0_PATH" conv=notrunc status=none
fi
oslog "done"
EOS

  write_file "$os/import" 0755 <<'EOS'
#!/bin/sh
set -e
SCRIPT=import
. "$(dirname "$0")/common.sh"
check_params
oslog "importing into ${IMPORT_DEVICE:-?}"
dd of="$IMPORT_DEVICE" bs=1M conv=notrunc status=none
oslog "done"
EOS

  write_file "$os/export" 0755 <<'EOS'
#!/bin/sh
set -e
SCRIPT=export
. "$(dirname "$0")/common.sh"
oslog "exporting ${EXPORT_DEVICE:-?}"
dd if="$EXPORT_DEVICE" bs=1M status=none
oslog "done"
EOS

  write_file "$os/rename" 0755 <<'EOS'
#!/bin/sh
set -e
SCRIPT=rename
. "$(dirname "$0")/common.sh"
oslog "renamed from ${OLD_INSTANCE_NAME:-?}"
EOS

  write_file "$os/verify" 0755 <<'EOS'
#!/bin/sh
set -e
SCRIPT=verify
. "$(dirname "$0")/common.sh"
check_params
oslog "verify $* ok (delay=${OSP_DELAY:-} fail=${OSP_FAIL:-})"
EOS
}

# Root's ssh identity inside the sandbox: a key that exists only here.  Each
# node gets its own /root (bind mount of nodeN/home), so the host's /root and
# /root/.ssh are never touched.  gnt-node add ssh-es from the master to the new
# node as root with this key.
write_ssh_identity() {
  local keydir=$DATA_DIR/ssh
  if [[ ! -f $keydir/id_ed25519 ]]; then
    mkdir -p "$keydir"
    chmod 0700 "$keydir"
    ssh-keygen -q -t ed25519 -N '' -C "gwm-sandbox-root" -f "$keydir/id_ed25519"
  fi
}

write_node_files() {
  local n=$1 d home ns
  d=$(node_dir "$n")
  home=$d/home
  ns=$(ns_of "$n")
  mkdir -p "$d/lib" "$d/run" "$d/log" "$d/srv/file-storage" "$d/srv/shared-file-storage" "$d/srv/os" "$home/.ssh"
  chmod 0700 "$home" "$home/.ssh"
  write_file "$home/.ssh/id_ed25519" 0600 <"$DATA_DIR/ssh/id_ed25519"
  write_file "$home/.ssh/id_ed25519.pub" 0644 <"$DATA_DIR/ssh/id_ed25519.pub"
  write_file "$home/.ssh/authorized_keys" 0600 <"$DATA_DIR/ssh/id_ed25519.pub"

  # `ip netns exec` bind-mounts these over /etc/hosts and /etc/resolv.conf for
  # everything started in the node; the host's files stay as they are.  The
  # host's own name resolves to 127.0.0.1, which Ganeti refuses.
  mkdir -p "/etc/netns/$ns"
  {
    printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n'
    local m
    for ((m = 1; m <= MAX_NODES; m++)); do
      printf '%s\t%s node%s\n' "$(ip_of "$m")" "$(host_of "$m")" "$m"
    done
    printf '%s\t%s %s\n' "$MASTER_IP" "$CLUSTER_NAME" "${CLUSTER_NAME%%.*}"
  } | write_file "/etc/netns/$ns/hosts" 0644
  printf 'nameserver 127.0.0.1\nsearch %s\noptions timeout:1 attempts:2\n' "$DOMAIN" |
    write_file "/etc/netns/$ns/resolv.conf" 0644

  write_file "$RUN_DIR/sshd-node$n.conf" 0644 <<EOF
# sshd of sandbox node $n: listens only on the node address inside netns $ns.
ListenAddress $(ip_of "$n")
Port 22
HostKey /etc/ssh/ssh_host_rsa_key
PidFile $RUN_DIR/sshd-node$n.pid
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
AuthorizedKeysFile /root/.ssh/authorized_keys
StrictModes yes
UseDNS no
PrintMotd no
X11Forwarding no
AllowAgentForwarding no
AllowTcpForwarding no
PermitTunnel no
Subsystem sftp internal-sftp
EOF
}

write_shared_files() {
  write_default_ganeti
  write_etc_ganeti
  write_os_provider
  write_ssh_identity
}

# --------------------------------------------------------------------------
# Namespaces
# --------------------------------------------------------------------------
netns_exists() { [[ -e /run/netns/$(ns_of "$1") ]]; }

node_namespaces_ready() {
  netns_exists "$1" && mountpoint -q "$NS_DIR/uts-node$1" && mountpoint -q "$NS_DIR/mnt-node$1"
}

any_node_namespace() {
  local n
  for ((n = 1; n <= MAX_NODES; n++)); do
    netns_exists "$n" && return 0
  done
  return 1
}

# Runs INSIDE the new mount namespace (via bash -c, see create_node_namespaces).
# Gives the node its own Ganeti directories; everything else is the host's.
mount_node_tree() {
  local own_ns=$1 node_dir=$2 shared_dir=$3 etc_dir=$4 ns_dir=$5 h
  # This mount ns holds copies of every netns handle that existed when it was
  # created; they would keep other namespaces alive after their `ip netns
  # del`.  Keep only our own (ip netns exec needs it).  Same for the UTS/mnt
  # handles of the sandbox itself.
  for h in /run/netns/*; do
    [[ $h == "/run/netns/$own_ns" ]] || umount -l "$h" 2>/dev/null || true
  done
  umount -l "$ns_dir" 2>/dev/null || true

  mount --bind "$node_dir/lib" /var/lib/ganeti
  mount --bind "$node_dir/run" /run/ganeti
  mount --bind "$node_dir/log" /var/log/ganeti
  mount --bind "$node_dir/srv" /srv/ganeti
  # `file` storage is node-local; `sharedfile` is the same directory on every
  # node (like NFS), so migrate/failover of sharedfile instances work.
  mount --bind "$shared_dir/shared-file-storage" /srv/ganeti/shared-file-storage
  mount --bind "$shared_dir/os" /srv/ganeti/os
  mount --bind "$node_dir/home" /root
  mount --bind "$etc_dir/ganeti" /etc/ganeti
  mount --bind "$etc_dir/default-ganeti" /etc/default/ganeti
  # On a host where systemd is PID 1, daemon-util would hand the daemons to
  # the host's systemd (outside the namespaces).  Hide it from the node.
  if [[ -d /run/systemd/system ]]; then
    mount -t tmpfs -o size=16k,mode=0755 gwm-no-systemd /run/systemd/system
  fi
}

create_node_namespaces() {
  local n=$1 ns
  ns=$(ns_of "$n")
  if netns_exists "$n" && ! node_namespaces_ready "$n"; then
    warn "node $n namespaces are incomplete (interrupted run?); recreating them"
    # shellcheck disable=SC2046 # one pid per word
    stop_pids term $(node_pids "$n")
    destroy_node_namespaces "$n"
  fi
  node_namespaces_ready "$n" && return 0

  say "creating namespaces of node $n ($(host_of "$n"))"
  # The netns first: the mount ns created below must contain its handle.
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  # Ganeti needs a master netdev and an instance NIC link with the same name
  # on every node.  A bridge without uplink (no dummy module on this kernel).
  ip -n "$ns" link add "$BRIDGE" type bridge
  ip -n "$ns" addr add "$(ip_of "$n")/$NETMASK" dev "$BRIDGE"
  ip -n "$ns" link set "$BRIDGE" up

  : >"$NS_DIR/uts-node$n"
  unshare --uts="$NS_DIR/uts-node$n" hostname "$(host_of "$n")"

  : >"$NS_DIR/mnt-node$n"
  unshare --mount="$NS_DIR/mnt-node$n" --propagation private \
    bash -c "set -euo pipefail; $(declare -f mount_node_tree); mount_node_tree \"\$@\"" mount_node_tree \
    "$ns" "$(node_dir "$n")" "$SHARED_DIR" "$ETC_DIR" "$NS_DIR"
}

# Both nodes' bridges joined by a veth pair, like two hosts on one switch.
# The pair is created directly inside the node namespaces; it never exists in
# the host namespace.
connect_nodes() {
  if ! netns_exists 1 || ! netns_exists 2; then return 0; fi
  ip -n "$(ns_of 1)" link show veth-node2 >/dev/null 2>&1 && return 0
  ip -n "$(ns_of 1)" link add veth-node2 type veth peer name veth-node1 netns "$(ns_of 2)"
  ip -n "$(ns_of 1)" link set veth-node2 master "$BRIDGE" up
  ip -n "$(ns_of 2)" link set veth-node1 master "$BRIDGE" up
}

destroy_node_namespaces() {
  local n=$1 h
  # Mount/UTS handles first: the mount ns holds a copy of the netns handle and
  # would keep the netns alive after `ip netns del`.
  for h in "$NS_DIR/mnt-node$n" "$NS_DIR/uts-node$n"; do
    if mountpoint -q "$h"; then umount "$h" 2>/dev/null || umount -l "$h"; fi
    rm -f "$h"
  done
  if netns_exists "$n"; then ip netns del "$(ns_of "$n")"; fi
  unset "NETNS_INODE[$n]"
  rm -rf "/etc/netns/$(ns_of "$n")"
}

# node_run N CMD... : run CMD as root on node N (its UTS, mount and network
# namespaces), with a clean environment.  The PATH deliberately has no pyenv:
# Ganeti tools need /usr/bin/python3.  The lock fd is closed so that daemons
# started this way never inherit the lock.
node_run() {
  local n=$1
  shift
  nsenter --uts="$NS_DIR/uts-node$n" --mount="$NS_DIR/mnt-node$n" -- \
    ip netns exec "$(ns_of "$n")" \
    env -i PATH="$SAFE_PATH" HOME=/root LC_ALL=C.UTF-8 ${TERM:+TERM="$TERM"} "$@" {LOCK_FD}>&-
}

# --------------------------------------------------------------------------
# Processes
# --------------------------------------------------------------------------
# Cached: looked up for every pid check.  Reset when namespaces change.
declare -A NETNS_INODE=()
netns_inode() {
  if [[ -z ${NETNS_INODE[$1]:-} ]]; then
    NETNS_INODE[$1]=$(stat -L -c %i "/run/netns/$NS_PREFIX$1" 2>/dev/null) || return 1
  fi
  echo "${NETNS_INODE[$1]}"
}

# pid_on_node PID N: is PID alive and inside node N's network namespace?
pid_on_node() {
  local link
  link=$(readlink "/proc/$1/ns/net" 2>/dev/null) || return 1
  netns_inode "$2" >/dev/null || return 1
  [[ $link == "net:[${NETNS_INODE[$2]}]" ]]
}

pid_cmdline_has() {
  local -a argv
  mapfile -d '' argv 2>/dev/null <"/proc/$1/cmdline" || return 1
  [[ " ${argv[*]} " == *"$2"* ]]
}

# pidfile_alive FILE NODE NEEDLE: prints the pid when the process recorded in
# FILE runs on NODE and its command line contains NEEDLE.
pidfile_alive() {
  local pid
  [[ -r $1 ]] || return 1
  read -r pid 2>/dev/null <"$1" || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  pid_on_node "$pid" "$2" && pid_cmdline_has "$pid" "$3" && echo "$pid"
}

daemon_pid() { pidfile_alive "$DATA_DIR/node$1/run/ganeti-$2.pid" "$1" "ganeti-$2"; }

# Fill the netns inode cache in the calling shell (most lookups happen in
# $(...) subshells, which cannot fill it themselves).
prime_netns_cache() {
  local n
  for ((n = 1; n <= MAX_NODES; n++)); do
    netns_exists "$n" && netns_inode "$n" >/dev/null
  done
  return 0
}

forwarder_pid() { pidfile_alive "$RUN_DIR/forwarder.pid" 1 "sandbox-forwarder.py"; }

# All processes of node N, verified by the kernel's netns id.
node_pids() {
  netns_exists "$1" || return 0
  ip netns pids "$(ns_of "$1")" 2>/dev/null || true
}

# A killed process stays a zombie until its parent reaps it; here the parent
# of daemons is PID 1, which reaps only every second or so.  A zombie holds
# no sockets or files any more: count it as gone.
pid_alive() {
  local stat
  read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
  stat=${stat##*) }
  [[ ${stat%% *} != Z ]]
}

# stop_pids SIGNAL-MODE PID...: TERM all at once and KILL what is left after
# 10 s (daemon-util stop-all would take ~13 s, one daemon after the other),
# or KILL at once for "crash".
stop_pids() {
  local mode=$1
  shift
  (($# > 0)) || return 0
  local pid deadline
  if [[ $mode == crash ]]; then
    kill -KILL "$@" 2>/dev/null || true
    deadline=$((SECONDS + 5))
  else
    kill -TERM "$@" 2>/dev/null || true
    deadline=$((SECONDS + 10))
  fi
  while ((SECONDS < deadline)); do
    local alive=()
    for pid in "$@"; do
      if pid_alive "$pid"; then alive+=("$pid"); fi
    done
    ((${#alive[@]} == 0)) && return 0
    sleep 0.1
  done
  kill -KILL "$@" 2>/dev/null || true
  sleep 0.2
}

# --------------------------------------------------------------------------
# Per-node services (not Ganeti): wildcard DNS and sshd
# --------------------------------------------------------------------------
start_node_services() {
  local n=$1
  if ! pidfile_alive "$RUN_DIR/dnsmasq-node$n.pid" "$n" dnsmasq >/dev/null; then
    # Instance names must resolve (Ganeti's default name_check): every name
    # that /etc/hosts does not know resolves to the unroutable SINK_IP.
    rm -f "$RUN_DIR/dnsmasq-node$n.pid"
    node_run "$n" dnsmasq --conf-file=/dev/null --no-resolv --no-hosts --bind-interfaces \
      --listen-address=127.0.0.1 --address="/#/$SINK_IP" --user=nobody --group=nogroup \
      --pid-file="$RUN_DIR/dnsmasq-node$n.pid" </dev/null >>"$LOG_DIR/dnsmasq-node$n.log" 2>&1 ||
      die "dnsmasq failed to start on node $n (see $LOG_DIR/dnsmasq-node$n.log)"
  fi
  if ! pidfile_alive "$RUN_DIR/sshd-node$n.pid" "$n" sshd >/dev/null; then
    rm -f "$RUN_DIR/sshd-node$n.pid"
    # shellcheck disable=SC2094 # sshd only appends to its log (-E); so do we
    node_run "$n" /usr/sbin/sshd -f "$RUN_DIR/sshd-node$n.conf" -E "$LOG_DIR/sshd-node$n.log" \
      </dev/null >>"$LOG_DIR/sshd-node$n.log" 2>&1 ||
      die "sshd failed to start on node $n (see $LOG_DIR/sshd-node$n.log)"
  fi
}

# --------------------------------------------------------------------------
# Ganeti state, read from the host side (cheap: no gnt-* call)
# --------------------------------------------------------------------------
node_has_config() { [[ -f $(node_lib "$1")/config.data ]]; }

cluster_initialized() {
  local n
  for ((n = 1; n <= MAX_NODES; n++)); do
    node_has_config "$n" && return 0
  done
  return 1
}

# The node whose ssconf_master_node was written last knows best who the
# master is (a node that was down during a --no-voting failover is stale).
freshest_node() {
  local n best="" best_t=0 t f
  for ((n = 1; n <= MAX_NODES; n++)); do
    f=$DATA_DIR/node$n/lib/ssconf_master_node
    [[ -f $f ]] || continue
    t=$(stat -c %.9Y "$f")
    t=$((10#${t/./}))  # nanoseconds as an integer
    if [[ -z $best ]] || ((t > best_t)); then
      best=$n
      best_t=$t
    fi
  done
  [[ -n $best ]] && echo "$best"
}

master_index() {
  local f host
  f=$(freshest_node) || return 1
  host=$(cat "$(node_lib "$f")/ssconf_master_node" 2>/dev/null) || return 1
  index_of_host "$host"
}

# Indices of the nodes that are members of the cluster (ssconf_node_list).
cluster_members() {
  local f host idx out=()
  f=$(freshest_node) || return 0
  while read -r host; do
    [[ -n $host ]] || continue
    idx=$(index_of_host "$host") && out+=("$idx")
  done <"$(node_lib "$f")/ssconf_node_list"
  echo "${out[@]}"
}

is_member() {
  local m
  for m in $(cluster_members); do
    [[ $m == "$1" ]] && return 0
  done
  return 1
}

config_serial() {
  "$SYS_PYTHON" -c 'import json, sys; print(json.load(open(sys.argv[1]))["serial_no"])' "$1" 2>/dev/null || echo -1
}

# Before a node's daemons start: if another node has a newer cluster config
# (e.g. a master-failover --no-voting happened while this node was down),
# copy its config.data and ssconf files over.  Otherwise the stale node's
# wconfd/luxid refuse to start ("Voting cannot be won") while its ganeti-rapi
# starts anyway: a split-brain RAPI.
sync_stale_node() {
  local n=$1 src=0 best=-1 m s
  node_has_config "$n" || return 0
  for ((m = 1; m <= MAX_NODES; m++)); do
    [[ $m == "$n" ]] && continue
    node_has_config "$m" || continue
    s=$(config_serial "$(node_lib "$m")/config.data")
    ((s > best)) && { best=$s; src=$m; }
  done
  ((src > 0)) || return 0
  local mine srcdir dstdir
  mine=$(config_serial "$(node_lib "$n")/config.data")
  srcdir=$(node_lib "$src")
  dstdir=$(node_lib "$n")
  # The config serial decides: every change, a master-failover included,
  # raises it on the master (and on every node that was reachable).
  if ((best > mine)); then
    say "node $n has a stale cluster config (serial $mine < $best): copying node $src's config and ssconf"
    cp -p "$srcdir/config.data" "$dstdir/config.data"
    cp -p "$srcdir"/ssconf_* "$dstdir/"
  fi
}

config_master_host() {
  "$SYS_PYTHON" -c 'import json, sys; d = json.load(open(sys.argv[1])); print(d["nodes"][d["cluster"]["master_node"]]["name"])' "$1" 2>/dev/null
}

# A master-failover interrupted half-way (a killed test run, a machine that
# stopped) can leave the nodes' configs at the same serial but naming
# different masters; the master daemons then refuse to start or the master IP
# never comes up.  ssconf_master_node of the freshest node is what the nodes
# last agreed on: every node whose config names another master takes the
# config of a node whose config names that one.
reconcile_master_config() {
  local m host n src=0
  m=$(master_index) || return 0
  host=$(host_of "$m")
  for ((n = 1; n <= MAX_NODES; n++)); do
    node_has_config "$n" || continue
    [[ $(config_master_host "$(node_lib "$n")/config.data") == "$host" ]] && { src=$n; break; }
  done
  ((src > 0)) || return 0
  for ((n = 1; n <= MAX_NODES; n++)); do
    ((n == src)) && continue
    node_has_config "$n" || continue
    [[ $(config_master_host "$(node_lib "$n")/config.data") == "$host" ]] && continue
    say "node $n's cluster config names another master than $host (an interrupted master-failover): copying node $src's config"
    cp -p "$(node_lib "$src")/config.data" "$(node_lib "$n")/config.data"
    cp -p "$(node_lib "$src")"/ssconf_* "$(node_lib "$n")/"
  done
}

# Seen on this sandbox (about one failover in ten): the old master's wconfd,
# still alive for a second after `gnt-cluster master-failover` set the new
# master, pushes its config (naming itself master, same serial) over the new
# master's copy.  The new master's luxid reloads that file, believes it is not
# the master, and neither brings the master IP up nor answers jobs.  Restart
# the master daemons on node T from a copy that names T.
repair_split_master() {
  local t=$1 host pids=() d pid
  host=$(host_of "$t")
  [[ $(config_master_host "$(node_lib "$t")/config.data") == "$host" ]] && return 0
  say "node $t's config names another master after the failover (old master's late write): restarting its master daemons"
  for d in "${MASTER_DAEMONS[@]}"; do
    pid=$(daemon_pid "$t" "$d") && pids+=("$pid")
  done
  stop_pids term "${pids[@]}"
  reconcile_master_config
  if [[ $(config_master_host "$(node_lib "$t")/config.data") != "$host" ]]; then
    # No node holds a copy naming T: name it in T's own copy.
    "$SYS_PYTHON" - "$(node_lib "$t")/config.data" "$host" <<'PY'
import json, sys
path, host = sys.argv[1], sys.argv[2]
with open(path) as f:
    d = json.load(f)
d["cluster"]["master_node"] = next(u for u, v in d["nodes"].items() if v["name"] == host)
with open(path, "w") as f:
    json.dump(d, f)
PY
  fi
  start_master_daemons "$t" || die "the master daemons did not start again on node $t"
  ensure_master_ip "$t"
}

# --------------------------------------------------------------------------
# Ganeti daemons
# --------------------------------------------------------------------------
start_daemon() {
  local n=$1 d=$2
  daemon_pid "$n" "$d" >/dev/null && return 0
  # A stale pid file makes start-stop-daemon refuse ("matching only on
  # non-root pidfile ... is insecure", exit 2): remove it first.  This is
  # also why daemon-util start-all cannot be used to "start what is missing".
  rm -f "$(node_run_dir "$n")/ganeti-$d.pid"
  local rc=0
  node_run "$n" /usr/lib/ganeti/daemon-util start "ganeti-$d" </dev/null \
    >>"$LOG_DIR/daemons-node$n.log" 2>&1 || rc=$?
  if ! daemon_pid "$n" "$d" >/dev/null; then
    tail -n 5 "$LOG_DIR/daemons-node$n.log" >&2 || true
    warn "ganeti-$d did not start on node $n (exit $rc; see $LOG_DIR/daemons-node$n.log and $(node_dir "$n")/log/$d-daemon.log)"
    return 1
  fi
  say "node $n: started ganeti-$d"
}

# Boot the Ganeti side of node N (noded/mond, confd).  kvmd exits at once
# ("User shutdown not enabled"), which is normal; it is started for realism.
boot_node_daemons() {
  local n=$1 fresh_boot=0 d
  daemon_pid "$n" noded >/dev/null || fresh_boot=1
  for d in noded mond; do start_daemon "$n" "$d" || return 1; done
  if ((fresh_boot)); then
    node_run "$n" /usr/lib/ganeti/daemon-util start ganeti-kvmd </dev/null \
      >>"$LOG_DIR/daemons-node$n.log" 2>&1 || true
  fi
}

start_master_daemons() {
  local n=$1 d
  for d in "${MASTER_DAEMONS[@]}"; do start_daemon "$n" "$d" || return 1; done
}

master_ip_active_on() {
  ip -n "$(ns_of "$1")" -4 -o addr show dev "$BRIDGE" 2>/dev/null | grep -q " $MASTER_IP/"
}

# luxid brings the master IP up by itself shortly after it starts; only if
# that does not happen (e.g. it was already running) ask for it explicitly.
# Calling it too early fails with "master IP address configured on another
# machine" while luxid is adding it.
ensure_master_ip() {
  local m=$1 i n
  # A node that stopped being master without being told (a crash, a stopped
  # sandbox) keeps the address in its namespace; Ganeti then refuses to
  # activate it on the real master ("configured on another machine").
  for ((n = 1; n <= MAX_NODES; n++)); do
    ((n == m)) && continue
    if master_ip_active_on "$n"; then
      say "removing the master IP left on node $n"
      ip -n "$(ns_of "$n")" addr del "$MASTER_IP/$NETMASK" dev "$BRIDGE" 2>/dev/null || true
    fi
  done
  for ((i = 0; i < 30; i++)); do
    master_ip_active_on "$m" && return 0
    sleep 0.1
  done
  say "activating the master IP on node $m"
  node_run "$m" gnt-cluster activate-master-ip </dev/null >>"$LOG_DIR/daemons-node$m.log" 2>&1 || true
  master_ip_active_on "$m" || warn "the master IP $MASTER_IP is not up on node $m (see $LOG_DIR/daemons-node$m.log)"
}

# --------------------------------------------------------------------------
# Cluster init / resume / node add
# --------------------------------------------------------------------------
# Empty (not remove) the node's directories: they may be bind-mounted in the
# node's mount namespace, and a removed directory would stay mounted there.
wipe_node_state() {
  local n=$1 d sub
  d=$(node_dir "$n")
  for sub in lib run log srv/file-storage; do
    mkdir -p "$d/$sub"
    find "$d/$sub" -mindepth 1 -delete
  done
}

init_cluster() {
  say "initializing cluster $CLUSTER_NAME on node 1 (log: $LOG_DIR/init.log)"
  local hvs=fake
  # shellcheck disable=SC2054 # the commas are part of Ganeti's option values
  local -a opts=(
    --enabled-disk-templates=diskless,file,sharedfile
    --file-storage-dir=/srv/ganeti/file-storage
    --shared-file-storage-dir=/srv/ganeti/shared-file-storage
    --master-netdev="$BRIDGE" --master-netmask="$NETMASK"
    --nic-parameters="mode=bridged,link=$BRIDGE"
    # No ssh key setup and no /etc/hosts editing: the host's /root/.ssh and
    # /etc/hosts are off limits; the sandbox provides both itself.
    --no-ssh-init --no-etc-hosts
    # hail cannot place anything otherwise: the fake/kvm hypervisors report
    # every CPU as used by the node OS (FailCPU with the default ratio 4), and
    # the global N+1 check fails on small clusters (FailN1).  The leading '-'
    # makes Ganeti pass the bare flag --no-capacity-checks to hail.
    --ipolicy-vcpu-ratio=32
    --default-iallocator-params=-no-capacity-checks
  )
  if [[ $GS_KVM == 1 ]]; then
    hvs=fake,kvm
    # qemu under TCG (kvm_flag=disabled: no dependence on /dev/kvm); no option
    # ROMs (iPXE would burn a CPU for ~40 s per guest); acpi=false (a guest
    # without an OS never acks an ACPI shutdown: every shutdown would wait the
    # 120 s timeout); VNC on 0.0.0.0 of the node so the forwarder reaches it.
    opts+=(-H "kvm:kvm_path=/usr/bin/qemu-system-x86_64,kernel_path=,initrd_path=,vnc_bind_address=0.0.0.0,kvm_flag=disabled,serial_console=false,acpi=false,kvm_extra=-global virtio-net-pci.romfile= -global e1000.romfile= -global rtl8139.romfile=")
  fi
  opts+=(--enabled-hypervisors="$hvs")
  if ! node_run 1 gnt-cluster init "${opts[@]}" "$CLUSTER_NAME" </dev/null >>"$LOG_DIR/init.log" 2>&1; then
    tail -n 20 "$LOG_DIR/init.log" >&2
    die "gnt-cluster init failed (see $LOG_DIR/init.log)"
  fi
  say "cluster initialized"
}

add_node() {
  local n=$1 m
  m=$(master_index) || die "cannot determine the master node"
  if node_has_config "$n" || [[ -n $(ls -A "$(node_lib "$n")" 2>/dev/null) ]]; then
    # Leftovers of an earlier membership: gnt-node add wants a clean node.
    stop_ganeti_processes "$n"
    wipe_node_state "$n"
  fi
  say "adding node $n ($(host_of "$n")) with gnt-node add (log: $LOG_DIR/node-add.log)"
  # gnt-node add cannot avoid ssh in 3.0.2: it pipes certs and ssconf into
  # node-daemon-setup over ssh, and the opcode itself verifies the node with
  # `ssh root@node hostname`.  Hence the per-node sshd.
  if ! node_run "$m" gnt-node add --no-ssh-key-check "$(host_of "$n")" </dev/null >>"$LOG_DIR/node-add.log" 2>&1; then
    tail -n 20 "$LOG_DIR/node-add.log" >&2
    die "gnt-node add $(host_of "$n") failed (see $LOG_DIR/node-add.log)"
  fi
  # node-daemon-setup starts only noded and mond; confd on a new master
  # candidate is normally started by the init system or the watcher (no cron
  # here).
  start_daemon "$n" confd || true
  say "node $n added"
}

# Kill Ganeti's processes on node N but keep the node's sshd and dnsmasq.
stop_ganeti_processes() {
  local n=$1 keep=() pid pids=()
  local p
  for p in dnsmasq sshd; do
    pid=$(pidfile_alive "$RUN_DIR/$p-node$n.pid" "$n" "$p") && keep+=("$pid")
  done
  pid=$(forwarder_pid) && keep+=("$pid")
  for pid in $(node_pids "$n"); do
    [[ " ${keep[*]} " == *" $pid "* ]] || pids+=("$pid")
  done
  stop_pids term "${pids[@]}"
}

# Start whatever Ganeti daemon is missing on the cluster's nodes.
resume_cluster() {
  local members m n
  read -ra members <<<"$(cluster_members)"
  ((${#members[@]} > 0)) || die "cluster state exists but no node list was found; run 'reset'"
  for n in "${members[@]}"; do
    daemon_pid "$n" noded >/dev/null || sync_stale_node "$n"
  done
  # Only while no master daemon runs: a running wconfd owns its config.
  local running=0
  for n in "${members[@]}"; do
    daemon_pid "$n" wconfd >/dev/null && running=1
  done
  ((running)) || reconcile_master_config
  m=$(master_index) || die "cannot determine the master node from ssconf"
  # noded everywhere before the master daemons: wconfd asks the other nodes
  # for their vote when it starts.
  for n in "${members[@]}"; do
    boot_node_daemons "$n" || die "node $n did not boot"
  done
  for n in "${members[@]}"; do
    start_daemon "$n" confd || true
  done
  start_master_daemons "$m" || die "the master daemons did not start on node $m"
  ensure_master_ip "$m"
}

# --------------------------------------------------------------------------
# RAPI users, cert, forwarder
# --------------------------------------------------------------------------
write_rapi_users() {
  local force=${1:-0} n f changed=0
  for ((n = 1; n <= MAX_NODES; n++)); do
    [[ -d $(node_lib "$n")/rapi ]] || continue
    f=$(node_lib "$n")/rapi/users
    ((force)) && rm -f "$f"
    # Process substitution, not a pipe: write_file must run in this shell
    # for WROTE to be seen here.
    write_file "$f" 0640 gnt-rapi:gnt-masterd < <(
      printf '# GanetiWebManager sandbox (ganeti-sandbox.sh)\n%s %s write\n%s %s read\n' \
        "$GS_RAPI_USER" "$GS_RAPI_PASSWORD" "$GS_RAPI_RO_USER" "$GS_RAPI_RO_PASSWORD"
    )
    ((WROTE)) && changed=1
  done
  ((changed)) && say "RAPI users file written"
  return 0
}

rapi_url() { echo "https://$GS_LISTEN:$GS_RAPI_PORT"; }

# rapi_get PATH: prints "<http code> <body>"; code 000 when unreachable.
rapi_get() {
  curl -sk --max-time "$CURL_TIMEOUT" -u "$GS_RAPI_USER:$GS_RAPI_PASSWORD" \
    -w '\n%{http_code}' "$(rapi_url)$1" 2>/dev/null || true
}

rapi_info_code() {
  curl -sk --max-time "$CURL_TIMEOUT" -o /dev/null -w '%{http_code}' \
    -u "$GS_RAPI_USER:$GS_RAPI_PASSWORD" "$(rapi_url)/2/info" 2>/dev/null || true
}

# wait_for_rapi TIMEOUT [EXPECTED_MASTER_HOST]
wait_for_rapi() {
  local timeout=$1 want=${2:-} deadline since401=0 out code body
  deadline=$((SECONDS + timeout))
  while ((SECONDS < deadline)); do
    out=$(rapi_get /2/info)
    code=${out##*$'\n'}
    body=${out%$'\n'*}
    if [[ $code == 200 ]]; then
      [[ -z $want || ${body// /} == *"\"master\":\"$want\""* ]] && return 0
    elif [[ $code == 401 ]]; then
      # 401 right after init: ganeti-rapi read the users file while it was
      # unreadable and keeps the empty user list.  Rewriting the file makes
      # it re-read it (inotify).
      ((since401 == 0)) && since401=$SECONDS
      if ((SECONDS - since401 >= 6)); then
        say "RAPI still answers 401: rewriting the users file"
        write_rapi_users 1
        since401=$SECONDS
      fi
    else
      since401=0
    fi
    sleep 0.2
  done
  return 1
}

export_rapi_cert() {
  local m pem
  m=$(master_index) || return 1
  pem=$(node_lib "$m")/rapi.pem
  [[ -f $pem ]] || return 1
  openssl x509 -in "$pem" | write_file "$RUN_DIR/rapi-cert.pem" 0644
}

cert_sha256() {
  openssl x509 -in "$RUN_DIR/rapi-cert.pem" -outform DER | sha256sum | cut -c1-64
}

ensure_forwarder() {
  local -a members targets=()
  local n pid args csv
  read -ra members <<<"$(cluster_members)"
  for n in "${members[@]}"; do targets+=("$(ip_of "$n")"); done
  csv=$(IFS=,; echo "${targets[*]}")
  args="--listen $GS_LISTEN --netns /run/netns/$(ns_of 1) --rapi-port $GS_RAPI_PORT --rapi-target $MASTER_IP:$GANETI_RAPI_PORT --vnc-ports $VNC_FIRST-$VNC_LAST --vnc-targets $csv --pidfile $RUN_DIR/forwarder.pid"
  if pid=$(forwarder_pid); then
    [[ $(cat "$RUN_DIR/forwarder.args" 2>/dev/null) == "$args" ]] && return 0
    say "restarting the forwarder (listen settings or node list changed)"
    stop_pids term "$pid"
  fi
  [[ -f $FORWARDER ]] || die "forwarder not found: $FORWARDER (it lives next to this script)"
  rm -f "$RUN_DIR/forwarder.pid"
  printf '%s' "$args" >"$RUN_DIR/forwarder.args"
  local -a argv
  read -ra argv <<<"$args"
  # System python (pyenv's has no ssl and must not leak in), clean env,
  # own session so it outlives this script, lock fd closed.
  setsid env -i PATH="$SAFE_PATH" "$SYS_PYTHON" "$FORWARDER" "${argv[@]}" \
    </dev/null >>"$LOG_DIR/forwarder.log" 2>&1 {LOCK_FD}>&- &
  local child=$! i
  for ((i = 0; i < 50; i++)); do
    forwarder_pid >/dev/null && { say "forwarder listening on $GS_LISTEN:$GS_RAPI_PORT and $GS_LISTEN:$VNC_FIRST-$VNC_LAST"; return 0; }
    kill -0 "$child" 2>/dev/null || break
    sleep 0.1
  done
  tail -n 5 "$LOG_DIR/forwarder.log" >&2 || true
  die "the forwarder did not start (see $LOG_DIR/forwarder.log)"
}

# --------------------------------------------------------------------------
# Commands
# --------------------------------------------------------------------------
cmd_up() {
  require_root
  validate_settings
  acquire_lock
  refuse_foreign_sandboxes
  mkdir -p "$LOG_DIR"
  ensure_packages
  prepare_host
  save_settings
  write_shared_files

  # Node count: GS_NODES, but never fewer than the cluster already has.
  local want=$GS_NODES members n
  if cluster_initialized; then
    read -ra members <<<"$(cluster_members)"
    for n in "${members[@]}"; do
      ((n > want)) && want=$n
    done
    ((want > GS_NODES)) && say "the cluster already has $want nodes; bringing up all of them"
  fi

  for ((n = 1; n <= want; n++)); do
    write_node_files "$n"
    create_node_namespaces "$n"
  done
  connect_nodes
  prime_netns_cache
  for ((n = 1; n <= want; n++)); do
    start_node_services "$n"
  done

  if cluster_initialized; then
    resume_cluster
  else
    for ((n = 1; n <= MAX_NODES; n++)); do
      stop_ganeti_processes "$n"
      wipe_node_state "$n"
    done
    init_cluster
  fi
  # Written right after init, before ganeti-rapi's first request.
  write_rapi_users

  for ((n = 2; n <= want; n++)); do
    is_member "$n" || add_node "$n"
  done
  write_rapi_users

  ensure_forwarder
  if ! wait_for_rapi 90; then
    die "RAPI does not answer 200 on $(rapi_url)/2/info (see $(node_dir "$(master_index || echo 1)")/log/rapi-daemon.log)"
  fi
  export_rapi_cert || die "cannot read the RAPI certificate"
  print_summary
}

print_summary() {
  local m members=() n hosts=()
  m=$(master_index)
  read -ra members <<<"$(cluster_members)"
  for n in "${members[@]}"; do hosts+=("$(host_of "$n")"); done
  cat <<EOF
Ganeti sandbox is up ($(elapsed) s): cluster $CLUSTER_NAME, nodes ${hosts[*]}, master $(host_of "$m")
  RAPI        $(rapi_url)   (self-signed; cert $RUN_DIR/rapi-cert.pem)
  cert sha256 $(cert_sha256)
  write user  $GS_RAPI_USER / $GS_RAPI_PASSWORD
  read user   $GS_RAPI_RO_USER / $GS_RAPI_RO_PASSWORD
  VNC         $GS_LISTEN:$VNC_FIRST-$VNC_LAST (same port as the instance's network_port)
  test OS     $SANDBOX_OS+default | +minimal | +slow   (osparams delay=<s>, fail=true)
  env         eval "\$(bash $SCRIPT_PATH env)"
EOF
}

stop_everything() {
  local pids=() n pid
  pid=$(forwarder_pid) && pids+=("$pid")
  for ((n = 1; n <= MAX_NODES; n++)); do
    for pid in $(node_pids "$n"); do
      [[ " ${pids[*]} " == *" $pid "* ]] || pids+=("$pid")
    done
  done
  if ((${#pids[@]} > 0)); then
    say "stopping ${#pids[@]} processes"
    stop_pids term "${pids[@]}"
    # Give PID 1 a moment to reap them, so that nothing of the sandbox is
    # left in the process table when `down` returns (best effort, <= 3 s).
    local i left
    for ((i = 0; i < 30; i++)); do
      left=0
      for pid in "${pids[@]}"; do
        if [[ -d /proc/$pid ]]; then left=1 && break; fi
      done
      ((left)) || break
      sleep 0.1
    done
  fi
  for ((n = MAX_NODES; n >= 1; n--)); do
    if netns_exists "$n" || [[ -e $NS_DIR/mnt-node$n || -e /etc/netns/$(ns_of "$n") ]]; then
      destroy_node_namespaces "$n"
    fi
  done
  if mountpoint -q "$NS_DIR" 2>/dev/null; then umount "$NS_DIR" 2>/dev/null || umount -l "$NS_DIR"; fi
  rm -rf "$RUN_DIR"
  # /etc/netns did not exist before the sandbox; drop it when nobody else uses it.
  rmdir /etc/netns 2>/dev/null || true
}

cmd_down() {
  require_root
  acquire_lock
  stop_everything
  say "sandbox is down (cluster state kept in $DATA_DIR)"
}

cmd_reset() {
  require_root
  acquire_lock
  stop_everything
  rm -rf "$DATA_DIR"
  say "sandbox reset: state wiped, the next 'up' initializes a new cluster"
}

sandbox_is_up() {
  netns_exists 1 && node_namespaces_ready 1 && cluster_initialized && [[ -f $RUN_DIR/rapi-cert.pem ]]
}

cmd_env() {
  sandbox_is_up || die "the sandbox is not up (run: bash $SCRIPT_PATH up)"
  load_settings
  local m members=() n hosts=()
  m=$(master_index) || die "cannot determine the master node"
  read -ra members <<<"$(cluster_members)"
  for n in "${members[@]}"; do hosts+=("$(host_of "$n")"); done
  local -a vars=(
    GANETI_RAPI_URL "$(rapi_url)"
    GANETI_RAPI_HOST "$GS_LISTEN"
    GANETI_RAPI_PORT "$GS_RAPI_PORT"
    GANETI_RAPI_USER "$GS_RAPI_USER"
    GANETI_RAPI_PASSWORD "$GS_RAPI_PASSWORD"
    GANETI_RAPI_RO_USER "$GS_RAPI_RO_USER"
    GANETI_RAPI_RO_PASSWORD "$GS_RAPI_RO_PASSWORD"
    GANETI_RAPI_CERT "$RUN_DIR/rapi-cert.pem"
    GANETI_RAPI_CERT_SHA256 "$(cert_sha256)"
    GANETI_CLUSTER_NAME "$CLUSTER_NAME"
    GANETI_MASTER "$(host_of "$m")"
    GANETI_NODES "${hosts[*]}"
    GANETI_NODE1 "$(host_of 1)"
    GANETI_NODE2 "$(if is_member 2; then host_of 2; fi)"
    GANETI_VNC_HOST "$GS_LISTEN"
    GANETI_VNC_PORTS "$VNC_FIRST-$VNC_LAST"
    GANETI_KVM "$GS_KVM"
    GANETI_SANDBOX_OS "$SANDBOX_OS+default"
    GANETI_SANDBOX_SCRIPT "$SCRIPT_PATH"
  )
  local i
  for ((i = 0; i < ${#vars[@]}; i += 2)); do
    printf 'export %s=%s\n' "${vars[i]}" "$(shell_quote "${vars[i + 1]}")"
  done
}

cmd_exec_node() {
  require_root
  local n=${1:-}
  if ! [[ $n =~ ^[0-9]+$ ]] || ((n < 1 || n > MAX_NODES)); then
    die "usage: exec-node N CMD... (N = 1..$MAX_NODES)"
  fi
  shift
  node_namespaces_ready "$n" || die "node $n is not up (run: bash $SCRIPT_PATH up)"
  (($# > 0)) || set -- /bin/bash
  node_run "$n" "$@"
}

cmd_exec() {
  require_root
  local m
  cluster_initialized || die "no cluster (run: bash $SCRIPT_PATH up)"
  m=$(master_index) || die "cannot determine the master node"
  cmd_exec_node "$m" "$@"
}

cmd_master_failover() {
  require_root
  load_settings
  local no_voting=0
  case ${1:-} in
    "") ;;
    --no-voting) no_voting=1 ;;
    *) die "usage: master-failover [--no-voting]" ;;
  esac
  acquire_lock
  sandbox_is_up || die "the sandbox is not up"
  local m t="" n members
  m=$(master_index) || die "cannot determine the master node"
  read -ra members <<<"$(cluster_members)"
  for n in "${members[@]}"; do
    [[ $n != "$m" ]] && t=$n
  done
  [[ -n $t ]] || die "the cluster has only one node; nothing to fail over to (run: GS_NODES=2 bash $SCRIPT_PATH up)"
  # A failover to a dead node updates the config and then cannot start the
  # master there: the cluster ends up without a master.
  daemon_pid "$t" noded >/dev/null || die "target node $t ($(host_of "$t")) is down; run 'node-up $t' first"

  local -a failover_cmd=(gnt-cluster master-failover)
  ((no_voting)) && failover_cmd+=(--no-voting --yes-do-it)
  say "master failover: $(host_of "$m") -> $(host_of "$t") (${failover_cmd[*]} on node $t)"
  local start=$SECONDS rc=0
  node_run "$t" "${failover_cmd[@]}" </dev/null >>"$LOG_DIR/failover.log" 2>&1 || rc=$?
  if ((rc != 0)); then
    tail -n 15 "$LOG_DIR/failover.log" >&2
    die "gnt-cluster master-failover failed (exit $rc; see $LOG_DIR/failover.log)"
  fi
  repair_split_master "$t"
  say "failover command done; waiting for RAPI through $(rapi_url)"
  local left=$((90 - (SECONDS - start)))
  ((left > 5)) || left=5
  wait_for_rapi "$left" "$(host_of "$t")" ||
    die "RAPI did not answer from the new master $(host_of "$t") within 90 s"
  export_rapi_cert || true
  say "master is now $(host_of "$t"); RAPI answers on $(rapi_url)"
}

parse_node_arg() {
  local n=${1:-}
  if ! [[ $n =~ ^[0-9]+$ ]] || ((n < 1 || n > MAX_NODES)); then
    die "expected a node number 1..$MAX_NODES"
  fi
  echo "$n"
}

cmd_node_down() {
  require_root
  local n
  n=$(parse_node_arg "${1:-}")
  acquire_lock
  node_namespaces_ready "$n" || die "node $n is not up"
  local fwd="" pids=() pid
  fwd=$(forwarder_pid) || true
  for pid in $(node_pids "$n"); do
    [[ $pid == "$fwd" ]] || pids+=("$pid")
  done
  stop_pids crash "${pids[@]}"
  # A crashed machine does not hold the master IP any more...
  if master_ip_active_on "$n"; then
    ip -n "$(ns_of "$n")" addr del "$MASTER_IP/$NETMASK" dev "$BRIDGE" || true
  fi
  # ...and its /run (tmpfs) is empty after the reboot.  Leftover fake
  # hypervisor state would otherwise crash gnt-cluster verify later (3.0.2
  # bug: "Instance data of instance ... not found").
  find "$(node_run_dir "$n")" -mindepth 1 -delete
  rm -f "$RUN_DIR/dnsmasq-node$n.pid" "$RUN_DIR/sshd-node$n.pid"
  say "node $n ($(host_of "$n")) is down (${#pids[@]} processes killed)"
}

cmd_node_up() {
  require_root
  load_settings
  local n
  n=$(parse_node_arg "${1:-}")
  acquire_lock
  node_namespaces_ready "$n" || die "node $n has no namespaces; run 'up' to bring the sandbox up"
  is_member "$n" || die "node $n is not a member of the cluster; run 'up' to add it"
  start_node_services "$n"
  daemon_pid "$n" noded >/dev/null || sync_stale_node "$n"
  boot_node_daemons "$n" || die "node $n did not boot"
  local m
  m=$(master_index) || die "cannot determine the master node"
  if [[ $m != "$n" ]] && daemon_pid "$m" luxid >/dev/null; then
    # As an admin would after a node comes back: push the current config and
    # ssconf to it.
    node_run "$m" gnt-cluster redist-conf </dev/null >>"$LOG_DIR/daemons-node$m.log" 2>&1 ||
      warn "gnt-cluster redist-conf failed on node $m"
  fi
  start_daemon "$n" confd || true
  if [[ $m == "$n" ]]; then
    start_master_daemons "$n" || die "the master daemons did not start on node $n"
    ensure_master_ip "$n"
    write_rapi_users
    wait_for_rapi 60 || warn "RAPI does not answer yet"
  fi
  say "node $n ($(host_of "$n")) is up"
}

# status: human-readable; exit 0 only when everything expected runs and
# RAPI answers 200.
cmd_status() {
  require_root
  load_settings
  local healthy=1 n d pid m="" members=()
  prime_netns_cache
  echo "Ganeti sandbox ($SCRIPT_PATH)"
  if ! cluster_initialized; then
    echo "  cluster: not initialized (no state in $DATA_DIR)"
    healthy=0
  else
    m=$(master_index) || true
    read -ra members <<<"$(cluster_members)"
    echo "  cluster: $CLUSTER_NAME, master ${m:+$(host_of "$m")}, members: $(for n in "${members[@]}"; do printf '%s ' "$(host_of "$n")"; done)"
  fi
  for ((n = 1; n <= MAX_NODES; n++)); do
    if ! netns_exists "$n"; then
      if [[ " ${members[*]} " == *" $n "* ]]; then
        echo "  node $n: namespaces missing (down)"
        healthy=0
      fi
      continue
    fi
    local line
    line="  node $n ($(host_of "$n"), netns $(ns_of "$n"), $(ip_of "$n")):"
    local -a expected=("${NODE_DAEMONS[@]}")
    [[ $n == "$m" ]] && expected+=("${MASTER_DAEMONS[@]}")
    for d in "${expected[@]}"; do
      if pid=$(daemon_pid "$n" "$d"); then
        line+=" $d=$pid"
      else
        line+=" $d=DOWN"
        [[ " ${members[*]} " == *" $n "* ]] && healthy=0
      fi
    done
    for d in dnsmasq sshd; do
      if pid=$(pidfile_alive "$RUN_DIR/$d-node$n.pid" "$n" "$d"); then
        line+=" $d=$pid"
      else
        line+=" $d=DOWN"
      fi
    done
    local qemus=0
    for pid in $(node_pids "$n"); do
      if pid_cmdline_has "$pid" qemu-system; then qemus=$((qemus + 1)); fi
    done
    line+=" qemu=$qemus"
    master_ip_active_on "$n" && line+=" [master IP $MASTER_IP]"
    echo "$line"
  done
  if pid=$(forwarder_pid); then
    echo "  forwarder: pid $pid, $GS_LISTEN:$GS_RAPI_PORT (RAPI) and $GS_LISTEN:$VNC_FIRST-$VNC_LAST (VNC)"
  else
    echo "  forwarder: not running"
    healthy=0
  fi
  local out code
  out=$(rapi_get /2/info)
  code=${out##*$'\n'}
  if [[ $code == 200 ]]; then
    echo "  RAPI: $(rapi_url) reachable (GET /2/info 200)"
  else
    echo "  RAPI: $(rapi_url) NOT reachable (GET /2/info -> $code)"
    healthy=0
  fi
  if [[ -n $m ]] && daemon_pid "$m" luxid >/dev/null; then
    echo "  gnt-node list (on the master):"
    node_run "$m" timeout 20 gnt-node list -o name,role,offline,master_candidate,pinst_cnt,mfree </dev/null 2>&1 |
      sed 's/^/    /' || true
  fi
  if ((healthy)); then
    echo "  state: UP and healthy"
    return 0
  fi
  echo "  state: NOT healthy / down"
  return 1
}

main() {
  local cmd=${1:-help}
  (($# > 0)) && shift
  case $cmd in
    up) cmd_up "$@" ;;
    down) cmd_down "$@" ;;
    reset) cmd_reset "$@" ;;
    status) cmd_status "$@" ;;
    env) cmd_env "$@" ;;
    exec) cmd_exec "$@" ;;
    exec-node) cmd_exec_node "$@" ;;
    master-failover) cmd_master_failover "$@" ;;
    node-down) cmd_node_down "$@" ;;
    node-up) cmd_node_up "$@" ;;
    help | -h | --help) usage ;;
    *)
      usage >&2
      exit 2
      ;;
  esac
}

main "$@"
