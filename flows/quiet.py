"""Settings that keep Prefect quiet and offline; applied before Prefect is imported."""

from __future__ import annotations

import logging
import os

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


def configure(debug: bool = False) -> None:
    for k, v in DEFAULTS.items():
        os.environ.setdefault(k, v)
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    os.environ["DO_NOT_TRACK"] = "1"
    if debug:
        os.environ["PREFECT_LOGGING_LEVEL"] = "INFO"
        return
    # The ephemeral API server logs cancelled tasks as tracebacks when it shuts down: not the user's concern.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "prefect.server", "asyncio", "httpx", "prefect"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
