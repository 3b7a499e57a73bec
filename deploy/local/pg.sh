#!/usr/bin/env bash
# Local throwaway PostgreSQL server (development, CI, integration tests).
#
#   pg.sh start DIR [PORT]   initdb DIR/data if needed, start the server (or reuse
#                            a running one) and print its URL
#   pg.sh --fast start ...   the same, with durability switched off (tests only)
#   pg.sh stop DIR           stop the server (no error if it is not running)
#   pg.sh url DIR            print the URL of the running server
#
# Layout: DIR/data (cluster), DIR/sock (unix socket), DIR/log, DIR/port.
# Authentication is "trust" on 127.0.0.1 only. The server is durable by default
# (PostgreSQL's defaults: fsync, synchronous_commit and full_page_writes on), as
# `make run` needs for real data. Fast mode (--fast, or PG_FAST=1 in the
# environment) switches durability off (fsync=off, synchronous_commit=off,
# full_page_writes=off): a crash of the machine may lose or corrupt data, so it
# is for tests only (scripts/test.sh uses it). The mode applies when the server
# starts: `start` on a running server keeps the mode it was started in.
# PostgreSQL refuses to run as root: when run as root, the server runs as the
# "postgres" user, so DIR and all its parents must be traversable by it (a
# directory under /root is not).
# Only the URL goes to stdout, so `export DATABASE_URL=$(pg.sh start DIR)` works.
set -euo pipefail

die() { echo "pg.sh: $*" >&2; exit 1; }
usage() { echo "usage: pg.sh [--fast] start DIR [PORT] | pg.sh stop DIR | pg.sh url DIR" >&2; exit 2; }

# bindir: directory of initdb/pg_ctl/postgres, from PATH or the newest
# /usr/lib/postgresql/*/bin.
bindir() {
	local p d
	if p=$(command -v initdb 2>/dev/null) && p=$(readlink -f "$p") && [[ -x $(dirname "$p")/pg_ctl ]]; then
		dirname "$p"
		return
	fi
	for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
		if [[ -x $d/initdb && -x $d/pg_ctl ]]; then
			echo "$d"
			return
		fi
	done
	die "initdb/pg_ctl not found on PATH nor in /usr/lib/postgresql/*/bin (install postgresql)"
}

# as_pg CMD...: run CMD as the user that owns the server (postgres when we are
# root). fd 9 (the DIR/.lock flock) is closed so that the server does not inherit it.
if [[ $(id -u) -eq 0 ]]; then
	id -u postgres >/dev/null 2>&1 || die "running as root, but there is no 'postgres' user to run the server as"
	if command -v runuser >/dev/null 2>&1; then
		as_pg() { (cd / && runuser -u postgres -- "$@") 9>&-; }
	else
		as_pg() { (cd / && su postgres -s /bin/bash -c "$(printf '%q ' "$@")") 9>&-; }
	fi
	chown_pg() { chown postgres: "$@"; }
else
	as_pg() { "$@" 9>&-; }
	chown_pg() { :; }
fi

# absdir DIR: absolute physical path of an existing directory.
absdir() { (cd "$1" && pwd -P); }

url_for() { echo "postgres://postgres@127.0.0.1:$1/postgres?sslmode=disable"; }

running() {
	[[ -f $DATA/PG_VERSION ]] && as_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

# running_port: the port of the running server, from postmaster.pid (line 4).
running_port() { sed -n 4p "$DATA/postmaster.pid"; }

port_free() {
	# Can we bind 127.0.0.1:$1? (a bash /dev/tcp connect probe if there is no python3)
	if command -v python3 >/dev/null 2>&1; then
		python3 -c 'import socket,sys; socket.socket().bind(("127.0.0.1", int(sys.argv[1])))' "$1" 2>/dev/null
	else
		! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
	fi
}

pick_port() {
	local p=$1
	for ((; p < $1 + 200; p++)); do
		if port_free "$p"; then
			echo "$p"
			return
		fi
	done
	die "no free port in $1..$(($1 + 199))"
}

log_tail() {
	echo "pg.sh: $1; last lines of $2:" >&2
	tail -n 30 "$2" | sed 's/^/    /' >&2 || true
	exit 1
}

cmd_start() {
	local dir=$1 port=${2:-}
	[[ -z $port || $port =~ ^[0-9]+$ ]] || die "bad port: $port"
	(umask 022 && mkdir -p "$dir") || die "cannot create $dir"
	dir=$(absdir "$dir")
	[[ $dir != *[[:space:]]* ]] || die "DIR must not contain whitespace: $dir"
	# unix socket paths are limited to 107 bytes
	((${#dir} + 20 <= 107)) || die "DIR path too long for a unix socket directory: $dir"
	DATA=$dir/data
	local sock=$dir/sock log=$dir/log

	# The lock serialises concurrent starts; the server must not inherit it (see 9>&- below), or it would
	# hold the lock for its whole life.
	exec 9>"$dir/.lock"
	flock 9

	as_pg test -x "$dir" ||
		die "user $(as_pg id -un) cannot access $dir: a parent directory is not traversable (e.g. /root); use a directory elsewhere (e.g. under /tmp or the repository)"

	if running; then
		local cur
		cur=$(running_port)
		[[ -z $port || $port == "$cur" ]] || echo "pg.sh: server in $dir already running on port $cur (ignoring $port)" >&2
		# postmaster.opts holds the running server's command line
		[[ $FAST == 1 ]] || ! grep -q 'fsync=off' "$DATA/postmaster.opts" 2>/dev/null || echo "pg.sh: server in $dir is running in fast mode (fsync=off): not durable; restart it (pg.sh stop $dir) for durability" >&2
		echo "$cur" >"$dir/port"
		url_for "$cur"
		return
	fi

	mkdir -p "$DATA" "$sock"
	touch "$log"
	chown_pg "$DATA" "$sock" "$log"
	chmod 700 "$DATA"
	if [[ ! -f $DATA/PG_VERSION ]]; then
		as_pg "$BIN/initdb" -D "$DATA" -A trust -U postgres --encoding=UTF8 --locale=C --no-sync \
			>"$dir/initdb.log" 2>&1 || log_tail "initdb failed" "$dir/initdb.log"
	fi

	if [[ -z $port ]]; then
		local prev=55432
		[[ -f $dir/port ]] && prev=$(<"$dir/port")
		[[ $prev =~ ^[0-9]+$ ]] || prev=55432
		port=$(pick_port "$prev")
	fi
	local opts="-c listen_addresses=127.0.0.1 -p $port -k $sock -c max_connections=300"
	if [[ $FAST == 1 ]]; then
		opts+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
	fi
	as_pg "$BIN/pg_ctl" -D "$DATA" -l "$log" -w -t 120 -o "$opts" start 9>&- >&2 ||
		log_tail "PostgreSQL failed to start on port $port" "$log"
	echo "$port" >"$dir/port"
	url_for "$port"
}

cmd_stop() {
	local dir=$1
	[[ -d $dir ]] || return 0
	dir=$(absdir "$dir")
	DATA=$dir/data
	if running; then
		as_pg "$BIN/pg_ctl" -D "$DATA" -m fast -w -t 120 stop >&2
	fi
}

cmd_url() {
	local dir=$1
	[[ -d $dir ]] || die "$dir does not exist"
	dir=$(absdir "$dir")
	DATA=$dir/data
	running || die "no PostgreSQL running in $dir (use: pg.sh start $dir)"
	url_for "$(running_port)"
}

FAST=${PG_FAST:-0}
if [[ ${1:-} == --fast ]]; then
	FAST=1
	shift
fi
[[ $FAST == 0 || $FAST == 1 ]] || die "PG_FAST must be 0 or 1, not $FAST"
[[ $# -ge 2 ]] || usage
BIN=$(bindir)
case $1 in
start) [[ $# -le 3 ]] || usage; cmd_start "$2" "${3:-}" ;;
stop) [[ $# -eq 2 ]] || usage; cmd_stop "$2" ;;
url) [[ $# -eq 2 ]] || usage; cmd_url "$2" ;;
*) usage ;;
esac
