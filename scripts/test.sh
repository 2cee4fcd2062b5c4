#!/usr/bin/env bash
# Installs what is missing (with the test tools) and runs the whole test suite, slow end-to-end cases included.
# One pytest worker per core, up to 4 (pytest-xdist; DEMAT_TEST_WORKERS=N to choose, 0 for none), each test module
# kept whole on one worker: alone, the suite waits on subprocesses and servers much of the time (1.2 cores busy of 2),
# and two workers took it from 17 to 11 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh --test
export OMP_THREAD_LIMIT=1
cores=$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc)  # nproc heeds those two: it said 1 here
workers=${DEMAT_TEST_WORKERS:-$(( cores < 4 ? cores : 4 ))}
if [ "$workers" -gt 1 ]; then
  exec .venv/bin/python -m pytest -n "$workers" --dist loadfile "$@"
fi
exec .venv/bin/python -m pytest "$@"
