# shellcheck shell=bash
# Sourced by the add-on's s6 scripts and its backup hook: where the bundled
# PostgreSQL lives, how to reach it, and the dump and restore that make Home
# Assistant backups of it consistent. Every location can be overridden from
# the environment so internal/addontest can run this against a scratch
# directory and a test server.

LIFEOPS_DATA=${LIFEOPS_DATA:-/data}
# A `lifeops backup` archive (gzip'd tar: manifest with row counts and
# SHA-256 per table, then every table); lifeops.sql.gz is the pg_dump that
# add-on versions before it wrote, still restored when it is all there is.
LIFEOPS_DUMP=${LIFEOPS_DUMP:-$LIFEOPS_DATA/backup/lifeops.backup}
LIFEOPS_LEGACY_DUMP=${LIFEOPS_LEGACY_DUMP:-$LIFEOPS_DATA/backup/lifeops.sql.gz}
LIFEOPS_BIN=${LIFEOPS_BIN:-/usr/bin/lifeops}
LIFEOPS_DB=${LIFEOPS_DB:-lifeops}
PGDATA=${PGDATA:-$LIFEOPS_DATA/postgres}
# LifeOps' default database_url points here: postgres@127.0.0.1:5432.
PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
PGUSER=${PGUSER:-postgres}
export PGDATA PGHOST PGPORT PGUSER

# Alpine installs each PostgreSQL major under its own libexec directory; put
# the one the image ships first so a stray default never picks another.
PG_BIN=${PG_BIN:-/usr/libexec/postgresql17}
if [ -d "$PG_BIN" ]; then
	PATH="$PG_BIN:$PATH"
fi

# lifeops_log writes one line to the add-on log, naming the script.
lifeops_log() {
	printf '%s %s: %s\n' "$(date '+%Y-%m-%d %H:%M:%S')" "${0##*/}" "$*" >&2
}

# lifeops_option prints an add-on option from options.json, empty when it is
# unset, null or the file cannot be read.
lifeops_option() {
	jq -r --arg key "$1" '.[$key] // "" | tostring' "$LIFEOPS_DATA/options.json" 2>/dev/null || true
}

# lifeops_bundled succeeds when LifeOps uses the bundled PostgreSQL: no
# database_url option and no LIFEOPS_DATABASE_URL (which wins over options,
# as it does in the binary).
lifeops_bundled() {
	[ -z "${LIFEOPS_DATABASE_URL:-}" ] && [ -z "$(lifeops_option database_url)" ]
}

# lifeops_db_exists succeeds when the server answers and holds $LIFEOPS_DB.
lifeops_db_exists() {
	local found
	# psql interpolates :'db' (quoted safely) only in commands read from
	# stdin, not in -c.
	found=$(psql -X -A -t -d postgres -v db="$LIFEOPS_DB" 2>/dev/null \
		<<<"SELECT 1 FROM pg_database WHERE datname = :'db'") || return 1
	[ "$found" = 1 ]
}

# lifeops_db_url is the bundled database as a URL for the lifeops binary:
# a socket directory (PGHOST starting with /) or host and port, as libpq
# reads them. PGPASSWORD, when set, reaches the binary from the environment.
lifeops_db_url() {
	case $PGHOST in
	/*) printf 'postgres:///%s?host=%s&port=%s&user=%s&sslmode=disable\n' "$LIFEOPS_DB" "$PGHOST" "$PGPORT" "$PGUSER" ;;
	*) printf 'postgres://%s@%s:%s/%s?sslmode=disable\n' "$PGUSER" "$PGHOST" "$PGPORT" "$LIFEOPS_DB" ;;
	esac
}

# lifeops_cli runs the lifeops binary against the bundled database.
lifeops_cli() {
	local url
	url=$(lifeops_db_url)
	LIFEOPS_DATABASE_URL=$url LIFEOPS_LOG_FORMAT=console "$LIFEOPS_BIN" "$@" --options "$LIFEOPS_DATA/options.json"
}

# lifeops_dump writes a consistent backup of $LIFEOPS_DB to $LIFEOPS_DUMP
# with `lifeops backup` (one snapshot; row counts and a checksum per table).
# The binary writes a temporary file beside it and renames it only once the
# backup is complete, so a failed backup never replaces the last good one.
# The subshell keeps its variables from leaking to the caller.
lifeops_dump() (
	dir=$(dirname "$LIFEOPS_DUMP")
	mkdir -p "$dir" || exit 1
	# A backup killed half-way (the Supervisor gives hooks a deadline) leaves
	# its temporary file; an hour-old one belongs to no running backup.
	find "$dir" -maxdepth 1 -name "${LIFEOPS_DUMP##*/}.tmp.*" -mmin +60 -exec rm -f {} + 2>/dev/null
	lifeops_cli backup --out "$LIFEOPS_DUMP" || exit 1
	# The new backup supersedes a pg_dump of an older add-on version.
	rm -f "$LIFEOPS_LEGACY_DUMP"
)

# lifeops_has_dump succeeds when there is a backup to restore.
lifeops_has_dump() {
	[ -s "$LIFEOPS_DUMP" ] || [ -s "$LIFEOPS_LEGACY_DUMP" ]
}

# lifeops_restore creates $LIFEOPS_DB and loads the backup into it:
# `lifeops restore` migrates to the backup's schema version and copies every
# table in one transaction that checks counts and checksums; an older
# add-on's pg_dump is replayed by psql in one transaction. On any failure (a
# truncated or corrupt backup included) it drops the database again, so
# nothing half-restored is ever served. A database that exists already is
# never touched: createdb fails first.
lifeops_restore() (
	set -o pipefail
	createdb --template=template0 --encoding=UTF8 "$LIFEOPS_DB" || exit 1
	if [ -s "$LIFEOPS_DUMP" ]; then
		if lifeops_cli restore --in "$LIFEOPS_DUMP"; then
			exit 0
		fi
	elif gzip -dc "$LIFEOPS_LEGACY_DUMP" |
		psql -X -q -v ON_ERROR_STOP=1 --single-transaction -d "$LIFEOPS_DB" >/dev/null; then
		exit 0
	fi
	dropdb --if-exists "$LIFEOPS_DB"
	exit 1
)

# --- PostgreSQL major upgrades of the bundled cluster -----------------------
#
# An add-on update may move the image to a new PostgreSQL major, whose server
# cannot open the old data directory. The image ships the previous major's
# binaries too; start-up upgrades the cluster with pg_upgrade in copy mode
# (the old directory is never written), checks the copy with `lifeops migrate
# up` and `lifeops verify`, and only then swaps the directories, keeping the
# old one beside it as $PGDATA.pg<old>. A failure leaves the old cluster as it
# was, explains itself in $LIFEOPS_UPGRADE_FAILED (which the panel shows) and
# in the log, and keeps the bundled server off until the next start tries
# again.

# LIFEOPS_PG_BINDIR_FMT formats a major's binary directory: Alpine installs
# each major under /usr/libexec/postgresqlNN (tests point it at their own).
LIFEOPS_PG_BINDIR_FMT=${LIFEOPS_PG_BINDIR_FMT:-/usr/libexec/postgresql%s}
# Read by the lifeops binary from its data directory (cmd/lifeops/serve.go).
LIFEOPS_UPGRADE_FAILED=${LIFEOPS_UPGRADE_FAILED:-$LIFEOPS_DATA/postgres-upgrade-failed}

# lifeops_pg_bindir prints the binary directory of PostgreSQL major $1.
lifeops_pg_bindir() {
	# shellcheck disable=SC2059 # the format is ours, from the line above
	printf "$LIFEOPS_PG_BINDIR_FMT\n" "$1"
}

# lifeops_as_postgres runs a command as the postgres user, which the server
# and its tools insist on.
lifeops_as_postgres() {
	if [ "$(id -u)" -ne 0 ]; then
		"$@"
	elif command -v s6-setuidgid >/dev/null; then
		s6-setuidgid postgres "$@"
	else
		runuser -u postgres -- "$@"
	fi
}

# lifeops_pg_plan prints what start-up does with $PGDATA when the image's
# server is major $1:
#   init             no cluster yet (or an initdb that never finished)
#   current          a cluster of this major
#   upgrade OLD      an older cluster whose binaries the image ships
#   unsupported OLD  an older cluster without its binaries in the image
#   newer NEW        a cluster of a newer major (an add-on downgrade)
lifeops_pg_plan() {
	local want=$1 have
	if [ ! -s "$PGDATA/PG_VERSION" ]; then
		echo init
		return
	fi
	have=$(cat "$PGDATA/PG_VERSION")
	if [ "$have" = "$want" ]; then
		echo current
	elif [ "$have" -gt "$want" ] 2>/dev/null; then
		echo "newer $have"
	elif [ -x "$(lifeops_pg_bindir "$have")/postgres" ] && [ -x "$(lifeops_pg_bindir "$want")/pg_upgrade" ]; then
		echo "upgrade $have"
	else
		echo "unsupported $have"
	fi
}

# lifeops_upgrade_failed records why the cluster could not be used, for the
# log and for the panel, and fails.
lifeops_upgrade_failed() {
	lifeops_log "ERROR: $*"
	printf '%s\n' "$*" >"$LIFEOPS_UPGRADE_FAILED"
	return 1
}

# lifeops_pg_upgrade upgrades $PGDATA from major $1 to major $2 (see above).
lifeops_pg_upgrade() (
	set -uo pipefail
	old=$1 new=$2
	old_bin=$(lifeops_pg_bindir "$old")
	new_bin=$(lifeops_pg_bindir "$new")
	next="$PGDATA.pg$new.upgrading"
	kept="$PGDATA.pg$old"
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
	chown postgres "$work" 2>/dev/null || true
	rm -rf "$next"
	install -d -m 0700 "$next" && chown postgres "$next" 2>/dev/null
	failed() {
		rm -rf "$next"
		lifeops_upgrade_failed "upgrading the database from PostgreSQL $old to $new failed: $*." \
			"The PostgreSQL $old data in $PGDATA is untouched; restore a backup made by the previous add-on version, or reinstall that version and make a backup"
	}
	lifeops_log "upgrading the database from PostgreSQL $old to $new (the old cluster is kept as $kept)"
	lifeops_as_postgres "$new_bin/initdb" --pgdata="$next" --username=postgres \
		--auth-local=trust --auth-host=trust --encoding=UTF8 --no-locale >"$work/initdb.log" 2>&1 ||
		{ tail -n 5 "$work/initdb.log" >&2; failed "initdb of the new cluster failed"; exit 1; }
	# pg_upgrade writes its logs into the current directory and the new
	# cluster; copy mode (the default) only reads the old cluster.
	(cd "$work" && lifeops_as_postgres "$new_bin/pg_upgrade" --old-bindir="$old_bin" --new-bindir="$new_bin" \
		--old-datadir="$PGDATA" --new-datadir="$next" --username=postgres --socketdir="$work" \
		--old-port=50432 --new-port=50433) >"$work/pg_upgrade.log" 2>&1 ||
		{ tail -n 20 "$work/pg_upgrade.log" >&2; failed "pg_upgrade failed (its output is above)"; exit 1; }
	# The copy is proven before it replaces anything: the schema migrates to
	# this LifeOps version and every derived number recomputes equal.
	lifeops_as_postgres "$new_bin/pg_ctl" --pgdata="$next" --wait --timeout=120 --silent --log="$work/server.log" \
		-o "-c listen_addresses='' -c unix_socket_directories=$work -p 50433" start ||
		{ failed "the upgraded cluster did not start"; exit 1; }
	if ! PGHOST=$work PGPORT=50433 lifeops_cli migrate up >&2 || ! PGHOST=$work PGPORT=50433 lifeops_cli verify >&2; then
		lifeops_as_postgres "$new_bin/pg_ctl" --pgdata="$next" --wait --silent -m fast stop || true
		failed "the upgraded database did not pass lifeops verify (its output is above)"
		exit 1
	fi
	lifeops_as_postgres "$new_bin/pg_ctl" --pgdata="$next" --wait --silent -m fast stop ||
		{ failed "the upgraded cluster did not stop cleanly"; exit 1; }
	if [ -e "$kept" ]; then # an older copy the person kept: never overwrite it
		kept="$kept.$(date +%Y%m%d%H%M%S)"
	fi
	if ! mv "$PGDATA" "$kept"; then
		failed "moving the old cluster aside failed"
		exit 1
	fi
	if ! mv "$next" "$PGDATA"; then
		mv "$kept" "$PGDATA"
		failed "moving the upgraded cluster into place failed"
		exit 1
	fi
	rm -f "$LIFEOPS_UPGRADE_FAILED"
	lifeops_log "database upgraded to PostgreSQL $new and verified; the PostgreSQL $old cluster stays in $kept until you delete it"
)
