"""A Tesseract that fails the way real ones do, on cue (test-only; production code has no hooks).

Put on PATH as `tesseract` (tests/test_poison.py writes the shim). It runs the real Tesseract; when what it read
holds the word in DEMAT_TEST_POISON_WORD, it throws its output away and then, by DEMAT_TEST_POISON_ACTION:
- `crasher`: runs the real Tesseract on the zone of ../shared/crashers/ that kills it with a floating-point
  exception (signal 8): the process pytesseract waits on dies by that signal, as Tesseract 5.3 does;
- `segv` / `fpe`: kills itself with SIGSEGV / SIGFPE;
- `hang`: sleeps until it is killed (a tool that never answers).
"""

import glob
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

REAL = os.environ.get("DEMAT_TEST_REAL_TESSERACT", "/usr/bin/tesseract")
CRASHER = Path(__file__).resolve().parents[3] / "shared" / "crashers" / "tesseract-sigfpe-psm7.png"

args = sys.argv[1:]
if len(args) < 2 or args[0].startswith("-"):  # --version, --list-langs
    os.execv(REAL, [REAL, *args])
done = subprocess.run([REAL, *args])
outputs = [p for p in glob.glob(args[1] + ".*")]
word = os.environ.get("DEMAT_TEST_POISON_WORD", "").lower()
if done.returncode == 0 and word and any(word in Path(p).read_text(errors="replace").lower() for p in outputs):
    for p in outputs:
        os.unlink(p)
    action = os.environ.get("DEMAT_TEST_POISON_ACTION", "crasher")
    if action == "crasher":
        os.execv(REAL, [REAL, str(CRASHER), "-", "--psm", "7", "-l", "fra+eng", "--dpi", "300"])
    if action == "hang":
        time.sleep(3600)
    os.kill(os.getpid(), {"segv": signal.SIGSEGV, "fpe": signal.SIGFPE}[action])
sys.exit(done.returncode)
