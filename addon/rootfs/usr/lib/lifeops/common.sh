# shellcheck shell=bash
# Sourced by the add-on's s6 scripts and its backup hook: where the bundled
# PostgreSQL lives, how to reach it, and the dump and restore that make Home
# Assistant backups of it consistent. Every location can be overridden from
# the environment so internal/addontest can run this against a scratch
# directory and a test server.

LIFEOPS_DATA=${LIFEOPS_DATA:-/data}
LIFEOPS_DUMP=${LIFEOPS_DUMP:-$LIFEOPS_DATA/backup/lifeops.sql.gz}
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

# lifeops_dump writes a consistent logical dump of $LIFEOPS_DB to
# $LIFEOPS_DUMP. It writes a temporary file beside it and renames it only
# once pg_dump and gzip both succeeded, so a failed dump never replaces the
# last good one. The subshell keeps pipefail from leaking to the caller.
lifeops_dump() (
	set -o pipefail
	dir=$(dirname "$LIFEOPS_DUMP")
	mkdir -p "$dir" || exit 1
	# A dump killed half-way (the Supervisor gives hooks a deadline) leaves
	# its temporary file; an hour-old one belongs to no running dump.
	find "$dir" -maxdepth 1 -name "${LIFEOPS_DUMP##*/}.tmp.*" -mmin +60 -exec rm -f {} + 2>/dev/null
	tmp=$(mktemp "$LIFEOPS_DUMP.tmp.XXXXXX") || exit 1
	# --lock-wait-timeout: a migration holding a table lock makes the dump
	# give up (and the hook log it) instead of stalling the whole backup.
	if pg_dump --dbname="$LIFEOPS_DB" --no-owner --no-privileges --lock-wait-timeout=30000 |
		gzip -c >"$tmp" && mv -f "$tmp" "$LIFEOPS_DUMP"; then
		exit 0
	fi
	rm -f "$tmp"
	exit 1
)

# lifeops_restore creates $LIFEOPS_DB and loads $LIFEOPS_DUMP into it in one
# transaction. On any failure (a truncated or corrupt dump included) it
# drops the database again, so nothing half-restored is ever served.
lifeops_restore() (
	set -o pipefail
	createdb --template=template0 --encoding=UTF8 "$LIFEOPS_DB" || exit 1
	if gzip -dc "$LIFEOPS_DUMP" |
		psql -X -q -v ON_ERROR_STOP=1 --single-transaction -d "$LIFEOPS_DB" >/dev/null; then
		exit 0
	fi
	dropdb --if-exists "$LIFEOPS_DB"
	exit 1
)
