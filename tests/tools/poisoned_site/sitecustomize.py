"""Tesseract's API failing the way a real crash does, on cue (test-only; production code has no hooks).

Put on PYTHONPATH by tests/test_poison.py: Python imports this module at start-up in every process, demat's OCR
workers included. Where DEMAT_TEST_POISON_WORD is set, tesserocr's API class is replaced by one that reads for
real and, when what it read holds that word, by DEMAT_TEST_POISON_ACTION:
- `segv` / `fpe`: the worker process dies by SIGSEGV / SIGFPE, as Tesseract does on the inputs that crash it;
- `hang`: sleeps until it is killed (a tool that never answers).
"""

import os
import signal
import time

WORD = os.environ.get("DEMAT_TEST_POISON_WORD", "").lower()

if WORD:
    try:
        import tesserocr
    except ImportError:
        tesserocr = None

    if tesserocr is not None:
        class PoisonedAPI(tesserocr.PyTessBaseAPI):
            def GetTSVText(self, page_number=0):
                tsv = super().GetTSVText(page_number)
                if WORD in tsv.lower():
                    action = os.environ.get("DEMAT_TEST_POISON_ACTION", "segv")
                    if action == "hang":
                        time.sleep(3600)
                    os.kill(os.getpid(), {"segv": signal.SIGSEGV, "fpe": signal.SIGFPE}[action])
                return tsv

        tesserocr.PyTessBaseAPI = PoisonedAPI
