"""Sessions, CSRF tokens and slowed-down logins.

The session is a signed cookie (itsdangerous) holding the user's name and the session's CSRF token; HttpOnly,
SameSite=Strict, Secure behind HTTPS. The signing secret comes from DEMAT_WEB_SECRET, or is drawn at start (the
sessions then end with the process); it is never printed, logged or stored. Every POST carries the CSRF token
of its session (of the login page's own cookie before a session exists).
"""

from __future__ import annotations

import asyncio
import hmac
import os
import secrets
import time

from itsdangerous import BadSignature, URLSafeTimedSerializer

SESSION_COOKIE = "demat_session"
LOGIN_COOKIE = "demat_login"
SESSION_SECONDS = 8 * 3600


class Sessions:
    def __init__(self, secret: str | None = None) -> None:
        self._signer = URLSafeTimedSerializer(secret or os.environ.get("DEMAT_WEB_SECRET") or secrets.token_hex(32),
                                              salt="demat-session")
        self._failures: dict[str, tuple[int, float]] = {}

    def issue(self, user: str) -> tuple[str, str]:
        """A new session for `user`: the cookie value and its CSRF token."""
        csrf = secrets.token_urlsafe(24)
        return self._signer.dumps({"u": user, "c": csrf}), csrf

    def read(self, cookie: str | None) -> tuple[str, str] | None:
        """(user, csrf token) of a valid, unexpired session cookie."""
        if not cookie:
            return None
        try:
            data = self._signer.loads(cookie, max_age=SESSION_SECONDS)
        except BadSignature:
            return None
        return data["u"], data["c"]

    def login_token(self) -> tuple[str, str]:
        token = secrets.token_urlsafe(24)
        return self._signer.dumps({"l": token}), token

    def login_token_of(self, cookie: str | None) -> str | None:
        try:
            return self._signer.loads(cookie or "", max_age=3600)["l"]
        except (BadSignature, KeyError, TypeError):
            return None

    async def slow_down(self, who: str) -> None:
        """Wait longer after each failed login of this name or address (1 s, 2 s, 4 s… at most 8 s)."""
        n, _ = self._failures.get(who, (0, 0.0))
        if n:
            await asyncio.sleep(min(8.0, 2 ** (n - 1)))

    def failed(self, who: str) -> None:
        n, _ = self._failures.get(who, (0, 0.0))
        self._failures[who] = (n + 1, time.time())

    def succeeded(self, who: str) -> None:
        self._failures.pop(who, None)


def same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))
