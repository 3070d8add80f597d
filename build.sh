#!/usr/bin/env bash
# The two commands of README.md, for a fresh Debian 12 machine with the .NET 10 SDK, run as root:
#
#   ./build.sh run    set up what is missing (PostgreSQL with a database and role, the build) and
#                     start the portal on http://127.0.0.1:5310 with a working superuser login
#   ./build.sh test   run every test suite (unit, contract against a real Ganeti sandbox, e2e in
#                     Chromium), installing what they need; exits non-zero on any failure
#   ./build.sh bench  the inventory benchmarks (issue 3): sync of 10 and 20 fake clusters of 5,000 VMs,
#                     unchanged re-sync, VM list queries on 50,000 VMs, the real sandbox; and the console
#                     relay against raw TCP and websockify (issue 6); prints figures
#   ./build.sh install  what `run` does before starting: PostgreSQL, the published portal and its
#                     settings file ($GWM_STATE_DIR/portal.env); used by vagrant/provision.sh
#
# All are idempotent: a second run only does what the first left undone. Settings (environment):
#   GWM_STATE_DIR     where generated secrets and the published portal live (/var/lib/ganetiwebmanager)
#   GWM_URL           where `run` listens (http://127.0.0.1:5310)
#   GWM_KEEP_SANDBOX  1 = `test` leaves the Ganeti sandbox running when it started it
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
STATE_DIR=${GWM_STATE_DIR:-/var/lib/ganetiwebmanager}
PORTAL_URL=${GWM_URL:-http://127.0.0.1:5310}
SANDBOX="$ROOT/vagrant/ganeti-sandbox.sh"
DB_ROLE=gwm
DB_NAME=gwm
TEST_DB_ROLE=gwm_test
CONFIGURATION=Release
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

log() { printf '\n==> %s\n' "$*"; }
die() { printf 'build.sh: %s\n' "$*" >&2; exit 1; }

usage() {
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"
  exit 2
}

require_root() {
  [ "$(id -u)" -eq 0 ] || die "run as root: it installs Debian packages and manages PostgreSQL (sudo $0 $*)"
  command -v dotnet >/dev/null || die "the .NET 10 SDK is required (dotnet not found on PATH)"
}

# apt-get install only what is missing; refresh the package lists once if a package is unknown.
APT_UPDATED=0
apt_install() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "Installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  local apt=(apt-get -y -q -o DPkg::Lock::Timeout=900 --no-install-recommends)
  if ! "${apt[@]}" install "${missing[@]}"; then
    [ "$APT_UPDATED" -eq 1 ] && die "apt-get could not install ${missing[*]}"
    apt-get -q -o DPkg::Lock::Timeout=900 update
    APT_UPDATED=1
    "${apt[@]}" install "${missing[@]}"
  fi
}

# A random secret kept in the state directory, readable by root only, created on first use.
secret() {
  local file="$STATE_DIR/$1"
  if [ ! -s "$file" ]; then
    # Others may traverse (the service user reads the published portal) but not list it.
    install -d -m 0711 "$STATE_DIR"
    (umask 077; head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 24 >"$file")
  fi
  cat "$file"
}

psql_admin() { runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$PG_PORT" "$@"; }

# PostgreSQL from Debian: a cluster that runs, a role that may create (test) databases, the portal's database.
ensure_postgres() {
  command -v pg_lsclusters >/dev/null || apt_install postgresql
  if [ -z "$(pg_lsclusters -h)" ]; then
    local version
    version=$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)
    log "Creating PostgreSQL $version cluster 'main'"
    pg_createcluster "$version" main >/dev/null
  fi
  local version cluster port status
  read -r version cluster port status _ < <(pg_lsclusters -h | head -n 1)
  if [ "$status" != online ]; then
    log "Starting PostgreSQL $version/$cluster"
    pg_ctlcluster "$version" "$cluster" start
  fi
  PG_PORT=$port
  for _ in $(seq 1 30); do
    pg_isready -q -h 127.0.0.1 -p "$PG_PORT" && break
    sleep 1
  done
  pg_isready -q -h 127.0.0.1 -p "$PG_PORT" || die "PostgreSQL does not accept connections on 127.0.0.1:$PG_PORT"

  local password test_password
  password=$(secret db-password)
  test_password=$(secret test-db-password)
  # Role passwords follow the state files, so a wiped state directory heals itself. The portal's role
  # owns its database and nothing more; the test role creates and drops a database per test class
  # (pg_signal_backend lets it end leftover sessions of those databases when it drops them).
  psql_admin -v role="$DB_ROLE" -v pw="$password" -v test_role="$TEST_DB_ROLE" -v test_pw="$test_password" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'role') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
ALTER ROLE :"role" WITH LOGIN NOCREATEDB PASSWORD :'pw';
SELECT format('CREATE ROLE %I LOGIN', :'test_role') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'test_role') \gexec
ALTER ROLE :"test_role" WITH LOGIN CREATEDB PASSWORD :'test_pw';
GRANT pg_signal_backend TO :"test_role";
SQL
  psql_admin -v role="$DB_ROLE" -v db="$DB_NAME" <<'SQL'
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'role') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
SQL
  export Database__ConnectionString="Host=127.0.0.1;Port=$PG_PORT;Username=$DB_ROLE;Password=$password;Database=$DB_NAME"
  export GWM_TEST_DATABASE="Host=127.0.0.1;Port=$PG_PORT;Username=$TEST_DB_ROLE;Password=$test_password;Database=postgres"
}

ensure_chromium() {
  apt_install chromium
  export CHROMIUM_PATH=${CHROMIUM_PATH:-/usr/bin/chromium}
}

# noVNC (the console's browser side) comes from npm, pinned by src/GanetiWebManager.Web/package-lock.json; the
# build copies it into the app's static assets (src/GanetiWebManager.Web/Build/NoVnc.targets). npm ci only when
# the installed copy is missing or older than the lockfile.
ensure_web_assets() {
  command -v npm >/dev/null || apt_install npm
  local web="$ROOT/src/GanetiWebManager.Web"
  if [ ! -f "$web/node_modules/.package-lock.json" ] || [ "$web/package-lock.json" -nt "$web/node_modules/.package-lock.json" ]; then
    log "Installing the portal's browser libraries (npm ci)"
    (cd "$web" && npm ci --no-audit --no-fund)
  fi
}

# PostgreSQL, the published portal in $STATE_DIR/portal and its settings in $STATE_DIR/portal.env.
install_portal() {
  ensure_postgres
  ensure_web_assets
  log "Building the portal"
  dotnet publish "$ROOT/src/GanetiWebManager.Web" -c "$CONFIGURATION" -o "$STATE_DIR/portal" --nologo -v quiet
  chmod 0711 "$STATE_DIR"
  local superuser_password
  superuser_password=$(secret superuser-password)
  (
    umask 077
    # Double-quoted values: both systemd's EnvironmentFile and a shell read them (';' in a connection string).
    printf '%s\n' \
      "# Written by build.sh install. Secrets: readable by root only." \
      "Database__ConnectionString=\"$Database__ConnectionString\"" \
      "Bootstrap__SuperuserName=\"admin\"" \
      "Bootstrap__SuperuserPassword=\"$superuser_password\"" >"$STATE_DIR/portal.env"
  )
}

cmd_install() {
  require_root install
  install_portal
}

cmd_run() {
  require_root run
  install_portal
  printf '\n  Ganeti Web Manager is starting on %s\n' "$PORTAL_URL"
  printf "  Sign in as 'admin' with the password '%s'\n" "$(secret superuser-password)"
  printf '  (set on the first start; if you changed it since, use yours). Stop with Ctrl-C.\n\n'
  cd "$STATE_DIR/portal"
  set -a
  # shellcheck source=/dev/null
  . "$STATE_DIR/portal.env"
  set +a
  export ASPNETCORE_URLS="$PORTAL_URL"
  exec dotnet GanetiWebManager.Web.dll
}

# Test stages: each is timed; a failing stage does not stop the others, so one run shows every failure.
STAGES=()
FAILED=()
stage() {
  local name=$1 start status tenths
  shift
  log "Stage: $name"
  start=$(date +%s%N)
  set +e
  "$@"
  status=$?
  set -e
  tenths=$((($(date +%s%N) - start) / 100000000))
  STAGES+=("$(printf '%-14s %6d.%d s  %s' "$name" $((tenths / 10)) $((tenths % 10)) "$([ $status -eq 0 ] && echo ok || echo FAILED)")")
  [ $status -eq 0 ] || FAILED+=("$name")
  return 0
}

install_test_prerequisites() {
  ensure_postgres
  ensure_chromium
  ensure_web_assets
  # The console benchmark compares the relay with Debian's websockify, in the same position.
  apt_install python3-websockify
  SANDBOX_WAS_UP=0
  if bash "$SANDBOX" status >/dev/null 2>&1; then SANDBOX_WAS_UP=1; fi
  bash "$SANDBOX" up
  eval "$(bash "$SANDBOX" env)"
}

# Each stage that uses the real cluster starts from a healthy sandbox: `up` is a no-op (well under a
# second) when it is, and repairs it when an earlier stage left it broken (say, a master failover cut
# short), so one failure does not fail every later stage too.
with_sandbox() {
  bash "$SANDBOX" up >/dev/null || return 1
  "$@"
}

dotnet_test() {
  local project=$1
  shift
  dotnet test "$ROOT/$project" -c "$CONFIGURATION" --no-build --nologo \
    --logger "console;verbosity=normal" --logger "trx;LogFilePrefix=$(basename "$project")" \
    --results-directory "$ROOT/artifacts/test-results" "$@"
}

cmd_test() {
  require_root test
  export GWM_ARTIFACTS_DIR="$ROOT/artifacts"
  mkdir -p "$GWM_ARTIFACTS_DIR"

  stage install install_test_prerequisites
  [ ${#FAILED[@]} -eq 0 ] || { print_summary; exit 1; }
  if [ "${SANDBOX_WAS_UP:-1}" -eq 0 ] && [ "${GWM_KEEP_SANDBOX:-0}" != 1 ]; then
    trap 'bash "$SANDBOX" down >/dev/null 2>&1 || true' EXIT
  fi

  stage build dotnet build "$ROOT/GanetiWebManager.sln" -c "$CONFIGURATION" --nologo
  [ ${#FAILED[@]} -eq 0 ] || { print_summary; exit 1; }

  stage rapi-unit dotnet_test tests/GanetiWebManager.Rapi.Tests --filter "Category!=Contract"
  stage fake-rapi dotnet_test tests/GanetiWebManager.FakeRapi.Tests
  stage web with_sandbox dotnet_test tests/GanetiWebManager.Web.Tests
  stage rapi-contract with_sandbox dotnet_test tests/GanetiWebManager.Rapi.Tests --filter "Category=Contract"
  stage e2e with_sandbox dotnet_test e2e/GanetiWebManager.E2E
  stage bench-short with_sandbox run_benchmarks --short
  print_summary
  [ ${#FAILED[@]} -eq 0 ]
}

run_benchmarks() {
  dotnet "$ROOT/tests/GanetiWebManager.Benchmarks/bin/$CONFIGURATION/net10.0/GanetiWebManager.Benchmarks.dll" "$@"
}

cmd_bench() {
  require_root bench
  export GWM_ARTIFACTS_DIR="$ROOT/artifacts"
  stage install install_test_prerequisites
  [ ${#FAILED[@]} -eq 0 ] || { print_summary; exit 1; }
  if [ "${SANDBOX_WAS_UP:-1}" -eq 0 ] && [ "${GWM_KEEP_SANDBOX:-0}" != 1 ]; then
    trap 'bash "$SANDBOX" down >/dev/null 2>&1 || true' EXIT
  fi
  stage build dotnet build "$ROOT/tests/GanetiWebManager.Benchmarks" -c "$CONFIGURATION" --nologo
  stage bench run_benchmarks
  print_summary
  [ ${#FAILED[@]} -eq 0 ]
}

print_summary() {
  printf '\n==> Stage times\n'
  printf '  %s\n' "${STAGES[@]}"
  if [ ${#FAILED[@]} -gt 0 ]; then
    printf '\nFAILED: %s\n' "${FAILED[*]}"
  else
    printf '\nAll stages passed.\n'
  fi
}

case "${1:-}" in
  run) cmd_run ;;
  install) cmd_install ;;
  bench) cmd_bench ;;
  test) cmd_test ;;
  *) usage ;;
esac
