#!/usr/bin/env bash
# Installs what is missing (with the test tools) and runs the whole test suite, slow end-to-end cases included.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh --test
export OMP_THREAD_LIMIT=1
exec .venv/bin/python -m pytest "$@"
