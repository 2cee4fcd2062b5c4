"""Settings that keep Prefect quiet and offline; applied before Prefect is imported."""

from __future__ import annotations

import logging
import os
import urllib.request

DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_LOGGING_LEVEL": "ERROR",
    "PREFECT_LOGGING_LOG_PRINTS": "false",
    "PREFECT_SERVER_LOGGING_LEVEL": "ERROR",
    "PREFECT_LOGGING_SERVER_LEVEL": "ERROR",
    "PREFECT_UI_ENABLED": "false",
    "PREFECT_RESULTS_PERSIST_BY_DEFAULT": "false",
    # Without PREFECT_API_URL each command starts a temporary server; its first start on a new machine creates its
    # database, which took longer than Prefect's 20 s and failed the README's first command.
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
}


# Where an office's Prefect server usually answers (`prefect server start`'s default); DEMAT_PREFECT_URL names
# another, or `none` to never look.
LOCAL_SERVER = "http://127.0.0.1:4200/api"
PROBE_TIMEOUT_S = 0.5


def running_server() -> str | None:
    """The API URL of a Prefect server that answers at DEMAT_PREFECT_URL (default: this machine's port 4200),
    or None: a command that finds one starts its flow in ~2 s instead of starting a temporary server (~15 s)."""
    url = os.environ.get("DEMAT_PREFECT_URL", LOCAL_SERVER).strip().rstrip("/")
    if not url or url.lower() == "none":
        return None
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=PROBE_TIMEOUT_S) as answer:
            healthy = answer.status == 200 and answer.read(16).strip() == b"true"
    except (OSError, ValueError):
        return None
    return url if healthy else None


def configure(debug: bool = False) -> None:
    for k, v in DEFAULTS.items():
        os.environ.setdefault(k, v)
    if not os.environ.get("PREFECT_API_URL"):
        found = running_server()
        if found:
            os.environ["PREFECT_API_URL"] = found
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    os.environ["DO_NOT_TRACK"] = "1"
    if debug:
        os.environ["PREFECT_LOGGING_LEVEL"] = "INFO"
        return
    # The ephemeral API server logs cancelled tasks as tracebacks when it shuts down: not the user's concern.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "prefect.server", "asyncio", "httpx", "prefect"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
