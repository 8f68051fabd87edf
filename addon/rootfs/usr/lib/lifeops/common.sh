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
