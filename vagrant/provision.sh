#!/usr/bin/env bash
# Provisions a development machine: the .NET SDK, PostgreSQL, the portal as a service on port 5310
# and a real two-node Ganeti sandbox. Vagrant runs it inside the VM (Vagrantfile); CI runs the very
# same script on its own host, which is how it is tested (`vagrant up` itself cannot run there).
#
#   bash vagrant/provision.sh          provision (idempotent) and check that the portal answers
#   bash vagrant/provision.sh stop     stop the portal service
#
# Settings: GWM_LISTEN_URL (http://127.0.0.1:5310; the Vagrantfile uses 0.0.0.0 for port forwarding),
#           GWM_STATE_DIR (/var/lib/ganetiwebmanager), GS_NODES (2; see vagrant/ganeti-sandbox.sh).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LISTEN_URL=${GWM_LISTEN_URL:-http://127.0.0.1:5310}
# The state directory (secrets, published portal) is the one build.sh uses: one per machine.
GWM_STATE_DIR=${GWM_STATE_DIR:-/var/lib/ganetiwebmanager}
SERVICE=ganetiwebmanager
SERVICE_USER=gwm-portal
PID_FILE=/run/$SERVICE.pid
LOG_FILE=/var/log/$SERVICE.log

log() { printf '\n==> %s\n' "$*"; }
die() { printf 'provision.sh: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root"
has_systemd() { [ -d /run/systemd/system ]; }

# A Vagrant box has no .NET; Microsoft's Debian repository provides the SDK.
ensure_dotnet() {
  command -v dotnet >/dev/null && return 0
  log "Installing the .NET 10 SDK from packages.microsoft.com"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -q -o DPkg::Lock::Timeout=900 update
  apt-get -y -q -o DPkg::Lock::Timeout=900 install wget ca-certificates
  wget -q -O /tmp/packages-microsoft-prod.deb https://packages.microsoft.com/config/debian/12/packages-microsoft-prod.deb
  dpkg -i /tmp/packages-microsoft-prod.deb
  apt-get -q -o DPkg::Lock::Timeout=900 update
  apt-get -y -q -o DPkg::Lock::Timeout=900 install dotnet-sdk-10.0
}

stop_portal() {
  if has_systemd; then
    systemctl stop "$SERVICE" 2>/dev/null || true
  elif [ -s "$PID_FILE" ]; then
    local pid
    pid=$(cat "$PID_FILE")
    # Only our own process: the pid file may be stale and the number reused.
    if [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 'GanetiWebManager.Web.dll'; then
      kill "$pid"
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    fi
    rm -f "$PID_FILE"
  fi
}

start_portal() {
  id "$SERVICE_USER" >/dev/null 2>&1 || useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$SERVICE_USER"
  if has_systemd; then
    cat >/etc/systemd/system/$SERVICE.service <<UNIT
[Unit]
Description=Ganeti Web Manager portal
After=network-online.target postgresql.service
Wants=network-online.target

[Service]
User=$SERVICE_USER
WorkingDirectory=$GWM_STATE_DIR/portal
EnvironmentFile=$GWM_STATE_DIR/portal.env
Environment=ASPNETCORE_URLS=$LISTEN_URL
ExecStart=$(command -v dotnet) $GWM_STATE_DIR/portal/GanetiWebManager.Web.dll
Restart=on-failure
NoNewPrivileges=true
ProtectSystem=strict
ProtectHome=true
PrivateTmp=true

[Install]
WantedBy=multi-user.target
UNIT
    systemctl daemon-reload
    systemctl enable "$SERVICE" >/dev/null
    systemctl restart "$SERVICE"
  else
    # No systemd (CI containers): the same command line, detached, with a pid file.
    stop_portal
    (
      set -a
      # shellcheck source=/dev/null
      . "$GWM_STATE_DIR/portal.env"
      set +a
      cd "$GWM_STATE_DIR/portal"
      ASPNETCORE_URLS=$LISTEN_URL setsid runuser -u "$SERVICE_USER" -- dotnet GanetiWebManager.Web.dll </dev/null >>"$LOG_FILE" 2>&1 &
      echo $! >"$PID_FILE"
    )
  fi
}

wait_until_healthy() {
  local url=${LISTEN_URL/0.0.0.0/127.0.0.1}/healthz
  for _ in $(seq 1 90); do
    if curl -fsS "$url" >/dev/null 2>&1; then
      log "The portal answers on $LISTEN_URL: $(curl -fsS "$url")"
      return 0
    fi
    sleep 1
  done
  has_systemd && journalctl -u "$SERVICE" -n 50 --no-pager >&2 || tail -n 50 "$LOG_FILE" >&2 || true
  die "the portal did not become healthy on $url"
}

case "${1:-provision}" in
  provision)
    ensure_dotnet
    command -v curl >/dev/null || apt-get -y -q -o DPkg::Lock::Timeout=900 install curl
    log "Ganeti sandbox"
    bash "$ROOT/vagrant/ganeti-sandbox.sh" up
    "$ROOT/build.sh" install
    stop_portal
    log "Starting the portal service"
    start_portal
    wait_until_healthy
    eval "$(bash "$ROOT/vagrant/ganeti-sandbox.sh" env)"
    printf '\n  Portal: %s  (user admin, password in %s/superuser-password)\n' "$LISTEN_URL" "$GWM_STATE_DIR"
    printf '  Ganeti RAPI: %s  (%s, certificate SHA-256 %s)\n' "$GANETI_RAPI_URL" "$GANETI_RAPI_USER" "$GANETI_RAPI_CERT_SHA256"
    ;;
  stop) stop_portal ;;
  *) die "usage: provision.sh [provision|stop]" ;;
esac
