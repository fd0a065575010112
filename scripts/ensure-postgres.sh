#!/usr/bin/env bash
# Makes PostgreSQL answer on 127.0.0.1:5432 with trust authentication for user
# `postgres`, as the test suite expects. Does nothing when one already answers;
# otherwise installs Debian's `postgresql` package (as root), allows trust auth on
# loopback, and starts the cluster. Idempotent.
set -euo pipefail

answers() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }

if answers; then
  exit 0
fi

if [ "$(id -u)" != 0 ]; then
  echo "ensure-postgres: PostgreSQL does not answer on 127.0.0.1:5432 and installing it needs root" >&2
  exit 1
fi

if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
  echo "ensure-postgres: installing PostgreSQL (Debian package postgresql)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql >/dev/null
fi

version=$(ls /etc/postgresql | sort -V | tail -n 1)
[ -d "/etc/postgresql/$version/main" ] || pg_createcluster "$version" main
hba="/etc/postgresql/$version/main/pg_hba.conf"
if ! grep -q '^# latchkey tests' "$hba"; then
  # Trust local and loopback connections (tests only; the first matching line wins).
  { echo '# latchkey tests: trust local and loopback connections'
    echo 'local all all trust'
    echo 'host all all 127.0.0.1/32 trust'
    echo 'host all all ::1/128 trust'
    cat "$hba"; } > "$hba.new"
  mv "$hba.new" "$hba"
fi
pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null \
  || pg_ctlcluster --skip-systemctl-redirect "$version" main reload

for _ in $(seq 60); do
  answers && { echo "ensure-postgres: PostgreSQL $version is up on 127.0.0.1:5432"; exit 0; }
  sleep 0.5
done
echo "ensure-postgres: PostgreSQL did not come up" >&2
exit 1
