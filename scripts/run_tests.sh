#!/usr/bin/env bash
# Run the whole test suite: start a throwaway PostgreSQL cluster for the store tests,
# run pytest, stop the cluster (by PID) whatever happens.
set -uo pipefail
cd "$(dirname "$0")/.."
if [ -x scripts/pg_throwaway.sh ] || [ -f scripts/pg_throwaway.sh ]; then
  if out=$(bash scripts/pg_throwaway.sh start); then
    eval "$out"
    trap 'bash scripts/pg_throwaway.sh stop >/dev/null 2>&1 || true' EXIT
  else
    echo "could not start the throwaway PostgreSQL cluster" >&2
    exit 1
  fi
fi
.venv/bin/python -m pytest "$@"
