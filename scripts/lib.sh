# shellcheck shell=bash disable=SC2012  # sourced; the ls calls list fixed PostgreSQL paths
# Shared by run.sh and test.sh: make sure the machine has what the portal needs (Debian 12, run as root).

apt_updated=0
apt_install() {
  if [ "$(id -u)" != 0 ]; then
    echo "Missing $*; install it (apt-get install $*) or run this script as root." >&2
    exit 1
  fi
  if [ "$apt_updated" = 0 ]; then
    apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# Prints the newest PostgreSQL bin folder, installing PostgreSQL first when none is there.
postgres_bin() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    echo "Installing PostgreSQL (apt)..." >&2
    apt_install postgresql
    # Debian's package starts a cluster of its own on 5432; the portal uses its own cluster, so stop that one.
    (command -v pg_ctlcluster >/dev/null && pg_ctlcluster --force "$(basename "$(dirname "$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)")")" main stop) >/dev/null 2>&1 || true
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  fi
  echo "$bin"
}

ensure_chromium() {
  if [ ! -x /usr/bin/chromium ]; then
    echo "Installing Chromium (apt) for the browser tests..." >&2
    apt_install chromium
  fi
}

# Apache httpd with mod_dav_fs stands in for Nextcloud's WebDAV in the Documents tests (started by the tests from
# their own config file; Debian's own apache2 service is never started: no systemd, and the package's site is unused).
ensure_webdav() {
  if [ ! -x /usr/sbin/apache2 ] || [ ! -f /usr/lib/apache2/modules/mod_dav_fs.so ]; then
    echo "Installing Apache httpd (apt) for the Documents WebDAV tests..." >&2
    apt_install apache2
  fi
}

# Runs a command as the postgres user when we are root (initdb refuses root), as ourselves otherwise.
as_postgres() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# Caddy (Debian's package) is the real reverse proxy in front of the published portal in the Operations tests (started
# from their own Caddyfile; Debian's caddy service is never started: no systemd). docker-compose (the Python one, no
# daemon: --no-install-recommends) validates docker-compose.yml in the same tests, as `docker-compose config -q`.
ensure_caddy() {
  if [ ! -x /usr/bin/caddy ]; then
    echo "Installing Caddy (apt) for the reverse-proxy tests..." >&2
    apt_install caddy
  fi
  if ! command -v docker-compose >/dev/null; then
    echo "Installing docker-compose (apt) to validate docker-compose.yml..." >&2
    apt_install docker-compose
  fi
}

# age encrypts the backups (scripts/backup.sh, scripts/restore.sh, the compose backup service).
ensure_age() {
  if ! command -v age >/dev/null || ! command -v age-keygen >/dev/null; then
    echo "Installing age (apt) for the backups..." >&2
    apt_install age
  fi
}
