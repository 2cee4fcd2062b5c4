"""Run `demat` but die by SIGKILL on the Nth call of one function (test-only; production code has no hooks).

    python tests/crashing_demat.py MODULE:ATTR N demat-args...
"""

import importlib
import os
import signal
import sys
import threading

target, n, args = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
module_name, attr = target.split(":")
owner_name, _, func_name = attr.rpartition(".")
module = importlib.import_module(module_name)
owner = getattr(module, owner_name) if owner_name else module
original = getattr(owner, func_name)
calls = 0
lock = threading.Lock()


def dying(*a, **kw):
    global calls
    with lock:
        calls += 1
        if calls >= n:
            os.kill(os.getpid(), signal.SIGKILL)
    return original(*a, **kw)


setattr(owner, func_name, dying)
from flows.cli import main  # noqa: E402

sys.exit(main(args))
