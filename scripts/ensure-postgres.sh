#!/usr/bin/env bash
# Ensures a private PostgreSQL cluster (15 preferred) for swarmfile's tests and demos; idempotent.
# usage: scripts/ensure-postgres.sh [--db NAME]  install (root only), initdb, start as needed; create the
#                                                databases swarmfile, swarmfile_test (and NAME); print the URL
#                                                of swarmfile (or NAME) as the only line on stdout
#        scripts/ensure-postgres.sh --status     say on stdout whether the cluster runs, and its URL
#        scripts/ensure-postgres.sh --stop       stop the cluster (fast mode) if it runs
# Exit status: 0 ok (--status: running), 1 failure with a message on stderr, 3 (--status only) not running.
# Progress goes to stderr. The URL, understood by node's pg and by libpq (psql):
#   postgres://postgres@/swarmfile?host=<socket dir, %-encoded>&port=<port>
# Environment:
#   SWARMFILE_PG_DIR   data directory, default <repo>/.pgdata; server.log and socket/ are in it too
#   SWARMFILE_PG_PORT  default 54329; it only names the socket file: the server listens on no TCP port
# How:
#   - Binaries: /usr/lib/postgresql/<ver>/bin (the cluster's own version, else 15, else the newest). When
#     missing and root: apt-get install postgresql-15 (or postgresql if there is no such candidate), with
#     apt-get update only if the install fails. The distribution's cluster service is never used.
#   - Postgres refuses to run as root: as root the cluster belongs to the system user swarmfile-pg (made
#     if missing) and initdb/pg_ctl run through runuser; otherwise the cluster runs as the invoking user.
#     If swarmfile-pg cannot traverse to <repo> (a clone under /root, say), the default data directory
#     becomes /tmp/swarmfile-pg-<hash of the repo path> instead.
#   - The socket is in <dir>/socket, unless that path passes the 107-byte limit of unix sockets: then in
#     /tmp/swarmfile-pg-sock-<hash of the data dir>. Only the cluster's owner and root can connect.
#   - A killed server is restarted (backends it left running get 10 s to end). Runs take a flock on this file.
set -euo pipefail
say() { echo "ensure-postgres: $*" >&2; }; die() { say "$*"; exit 1; }
hash12() { printf %s "$1" | sha1sum | cut -c1-12; }
mode=up DB=swarmfile
while (($#)); do case $1 in
  --stop) mode=stop ;; --status) mode=status ;; --db) [[ $# -ge 2 ]] || die "--db needs a NAME"; DB=$2; shift ;;
  -h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; exit 0 ;;
  *) die "unknown argument '$1' (see --help)" ;; esac; shift; done
[[ $DB =~ ^[A-Za-z_][A-Za-z0-9_]{0,62}$ ]] || die "bad database name '$DB' (letters, digits, _)"
exec 9<"${BASH_SOURCE[0]}" && flock -w 120 9 || die "another run of this script holds the lock"
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PORT=${SWARMFILE_PG_PORT:-54329}; [[ $PORT =~ ^[0-9]{1,5}$ ]] || die "SWARMFILE_PG_PORT must be a port number"
DIR=${SWARMFILE_PG_DIR:-$REPO/.pgdata}; [[ $DIR == /* ]] || DIR=$PWD/$DIR
RUNAS=() OWNER=
if ((EUID == 0)); then
  OWNER=swarmfile-pg RUNAS=(runuser -u swarmfile-pg --)
  getent passwd $OWNER >/dev/null || useradd --system --no-create-home --home-dir /nonexistent \
    --shell /usr/sbin/nologin $OWNER || die "could not create the system user $OWNER"
  if [[ -z ${SWARMFILE_PG_DIR:-} && ! -f $DIR/PG_VERSION ]] && ! (cd / && runuser -u $OWNER -- test -x "$REPO"); then
    DIR=/tmp/swarmfile-pg-$(hash12 "$REPO")
    say "$OWNER cannot traverse to $REPO; using $DIR"
  fi
else OWNER=$(id -un); fi
as_pg() { ( cd / # close fds above 2 (the lock, a caller's pipes): the server must not keep them open
  for fd in /proc/$BASHPID/fd/*; do fd=${fd##*/}; ((fd < 3)) || eval "exec $fd>&-"; done; exec "${RUNAS[@]}" "$@" ) }
SOCK=$DIR/socket
((${#SOCK} + ${#PORT} + 10 <= 107)) || SOCK=/tmp/swarmfile-pg-sock-$(hash12 "$DIR")
[[ $SOCK != *[\'\",\\[:cntrl:]]* ]] || die "the path $DIR must hold no quote, comma or backslash"
urlenc() { local LC_ALL=C s=$1 out='' c i; for ((i = 0; i < ${#s}; i++)); do c=${s:i:1}
  case $c in [A-Za-z0-9/._~-]) out+=$c ;; *) printf -v c '%%%02X' "'$c"; out+=$c ;; esac; done; echo "$out"; }
url() { echo "postgres://postgres@/$1?host=$(urlenc "$SOCK")&port=$PORT"; }
find_bin() {
  local v; CV=; [[ -f $DIR/PG_VERSION ]] && read -r CV <"$DIR/PG_VERSION"
  for v in $CV 15 $(ls /usr/lib/postgresql 2>/dev/null | sort -rV); do
    [[ -x /usr/lib/postgresql/$v/bin/pg_ctl ]] && { BIN=/usr/lib/postgresql/$v/bin VER=$v; return 0; }
  done; return 1; }
running() { # pg_ctl status, except that a killed postmaster can linger as a zombie (PID 1 here reaps late)
  [[ -f $DIR/PG_VERSION ]] && as_pg "$BIN/pg_ctl" -D "$DIR" status >/dev/null 2>&1 || return 1
  local k='' st='' pid=''; read -r pid 2>/dev/null <"$DIR/postmaster.pid"
  while read -r k st _; do [[ $k == State: ]] && break; done 2>/dev/null <"/proc/$pid/status"
  [[ $k == State: && $st != [ZX] ]]; }
if [[ $mode != up ]]; then
  find_bin || { [[ $mode == stop ]] && exit 0; echo "not installed: no /usr/lib/postgresql/*/bin/pg_ctl"; exit 3; }
  if [[ $mode == stop ]]; then running && as_pg "$BIN/pg_ctl" -D "$DIR" -w -t 60 -m fast stop >&2; exit 0; fi
  [[ ! -e $DIR || -r $DIR ]] || die "cannot read $DIR (it belongs to $(stat -c %U "$DIR"))"
  running || { echo "stopped: $DIR"; exit 3; }
  echo "running: pid $(head -1 "$DIR/postmaster.pid"), data $DIR, url $(url "$DB")"; exit 0
fi
if ! find_bin; then
  ((EUID == 0)) || die "PostgreSQL is not installed and installing it needs root (apt-get install postgresql-15)"
  export DEBIAN_FRONTEND=noninteractive
  install_pg() { local p=postgresql-15
    [[ $(apt-cache policy $p 2>/dev/null) == *"Candidate: "[0-9]* ]] || p=postgresql
    say "apt-get install $p"; apt-get install -y -q --no-install-recommends $p >&2; }
  install_pg || { say "apt-get update"; apt-get update -q >&2 && install_pg; } || die "apt-get install failed"
  find_bin || die "installed PostgreSQL, yet there is no /usr/lib/postgresql/*/bin/pg_ctl"
fi
mkdir -p "$DIR" || die "cannot create $DIR"
if [[ $(stat -c %U "$DIR") != "$OWNER" ]]; then # as root, take over an empty directory (made by mkdir above)
  [[ ${#RUNAS[@]} -gt 0 && ! -e $DIR/PG_VERSION ]] && chown "$OWNER:" "$DIR" ||
    die "$DIR belongs to $(stat -c %U "$DIR"), not $OWNER: run as its owner (root for swarmfile-pg)," \
      "or set SWARMFILE_PG_DIR"
fi
if [[ ! -f $DIR/PG_VERSION ]]; then
  as_pg test -w "$DIR" || die "$OWNER cannot write to $DIR (is every parent directory traversable?)"
  say "initdb $DIR ($BIN)"
  as_pg "$BIN/initdb" -D "$DIR" -U postgres --auth=trust -E UTF8 --locale=C >&2 || die "initdb failed"
  echo "include 'swarmfile.conf'" | as_pg tee -a "$DIR/postgresql.conf" >/dev/null
fi
read -r CV <"$DIR/PG_VERSION"; [[ $CV == "$VER" ]] || die "$DIR is a PostgreSQL $CV cluster; found only $BIN"
printf -v conf "%s\n" "listen_addresses = ''" "unix_socket_directories = '$SOCK'" "port = $PORT" "fsync = on" \
  "max_connections = 300" "shared_buffers = 64MB" # ~150 test processes at once; memory kept modest
[[ $(cat "$DIR/swarmfile.conf" 2>/dev/null)$'\n' == "$conf" ]] ||
  printf %s "$conf" | as_pg tee "$DIR/swarmfile.conf" >/dev/null
[[ ! -L $SOCK ]] || die "$SOCK is a symlink; remove it"
[[ -d $SOCK ]] || { mkdir -p "$SOCK" && chown "$OWNER:" "$SOCK" && chmod 700 "$SOCK"; } || die "cannot make $SOCK"
if running; then
  mapfile -t pid <"$DIR/postmaster.pid"
  if [[ ${pid[3]:-} != "$PORT" || ${pid[4]:-} != "$SOCK" ]]; then
    say "restarting: it runs with port ${pid[3]:-?}, socket ${pid[4]:-?}"
    as_pg "$BIN/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w -t 60 -m fast restart >&2 ||
      die "restart failed, see $DIR/server.log"
  fi
else # the backends of a killed server may still run in the data directory: wait for them to end
  for _ in {1..20}; do left=; for p in /proc/[0-9]*; do
      [[ $p/cwd -ef $DIR ]] && { read -r c <"$p/comm"; } 2>/dev/null && [[ $c == postgres ]] && left+=" ${p#/proc/}"
    done; [[ -z $left ]] && break; sleep 0.5; done
  [[ -z $left ]] || die "processes of a killed server still use $DIR; end them: kill$left"
  rm -f "$DIR/postmaster.pid" "$SOCK/.s.PGSQL.$PORT.lock" # stale if there: no process uses the directory now
  say "starting the cluster in $DIR"
  as_pg "$BIN/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w -t 60 start >&2 ||
    die "pg_ctl start failed; the end of $DIR/server.log: $(tail -5 "$DIR/server.log" 2>/dev/null)"
fi
sql() { "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$SOCK" -p "$PORT" -U postgres -d postgres -tAc "$1"; }
have=" $(sql "select string_agg(datname, ' ') from pg_database") " || die "cannot connect over $SOCK"
for db in swarmfile swarmfile_test "$DB"; do
  [[ $have == *" $db "* ]] && continue
  say "creating database $db"; sql "create database \"$db\"" >&2 || die "could not create database $db"; have+="$db "
done
url "$DB"
