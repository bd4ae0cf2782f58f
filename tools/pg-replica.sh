#!/usr/bin/env bash
# A read replica of a PostgreSQL primary on this machine, fed by streaming replication, for the manager's reports.
#
#   tools/pg-replica.sh start DIR PORT [PRIMARY_HOST] [PRIMARY_PORT]   # base backup + start (default 127.0.0.1 5432)
#   tools/pg-replica.sh stop DIR                                       # stop it and delete DIR
#   tools/pg-replica.sh status DIR                                     # is it streaming, how far behind
#
# The primary must accept replication connections from this host: a line such as
#   host  replication  all  127.0.0.1/32  trust     (or scram-sha-256 with a password in ~/.pgpass)
# in its pg_hba.conf, wal_level = replica and max_wal_senders > 0 (PostgreSQL's defaults).
# Then point the server's reports at it:
#   DOORSTEP_REPORTS_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:PORT/doorstep doorstep serve
# Sync never reads from the replica; coverage and report downloads do, and say how fresh they are.
set -euo pipefail

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bin" ] || bin=$(dirname "$(command -v pg_ctl)")
as_postgres=()
[ "$(id -u)" = 0 ] && as_postgres=(runuser -u postgres --)

action=${1:-}; dir=${2:-}
[ -n "$action" ] && [ -n "$dir" ] || { sed -n 2,14p "$0"; exit 2; }
case "$action" in
  start)
    port=${3:?PORT}; primary_host=${4:-127.0.0.1}; primary_port=${5:-5432}
    [ -e "$dir/PG_VERSION" ] && { echo "a cluster is already in $dir" >&2; exit 1; }
    mkdir -p "$dir"; chmod 700 "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    # -R writes primary_conninfo and standby.signal: the copy starts as a hot standby that streams from the primary.
    "${as_postgres[@]}" "$bin/pg_basebackup" -h "$primary_host" -p "$primary_port" -U postgres -D "$dir" \
        -R -X stream --checkpoint=fast
    "${as_postgres[@]}" "$bin/pg_ctl" -D "$dir" -l "$dir/replica.log" -w \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c hot_standby=on" start
    echo "replica of $primary_host:$primary_port streaming on 127.0.0.1:$port (data in $dir)"
    ;;
  stop)
    if [ -e "$dir/PG_VERSION" ]; then
        "${as_postgres[@]}" "$bin/pg_ctl" -D "$dir" -m fast -w stop || true
    fi
    rm -rf "$dir"
    ;;
  status)
    "${as_postgres[@]}" "$bin/pg_ctl" -D "$dir" status
    ;;
  *) sed -n 2,14p "$0"; exit 2 ;;
esac
