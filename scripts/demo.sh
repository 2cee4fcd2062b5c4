#!/usr/bin/env bash
# Installs what is missing, digitizes the committed samples into ./demat-data, and prints the counts.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export OMP_THREAD_LIMIT=1
.venv/bin/demat ingest samples/
.venv/bin/demat stats --by procedure,status
.venv/bin/demat report --month "$(date -u +%Y-%m)" -o rapport.html
echo "The dashboard: add an analyst (demat user add ana --role analyst --procedures '*'), run demat web, sign in."
