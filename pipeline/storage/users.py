"""Accounts of the web application, kept in the store beside the records: `users/<name>.json`.

A password is kept only as its Argon2id hash (argon2-cffi); it is never logged, printed or stored in clear.
Roles: `clerk` (upload and review), `analyst` (figures), `agency` (schemas), `admin` (everything, and users).
`procedures` lists the procedures a user may see; `*` is all of them.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass

from ..errors import DematError
from .store import Store

ROLES = ("clerk", "analyst", "agency", "admin")
NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
MIN_PASSWORD = 10
PREFIX = "users/"


class UserError(DematError):
    """A user command that cannot be done (bad name, unknown user, weak password): one line for the user."""


@dataclass(frozen=True)
class User:
    name: str
    role: str
    procedures: tuple[str, ...]  # ("*",) for all
    password_hash: str = ""

    def sees(self, procedure: str | None) -> bool:
        return "*" in self.procedures or (procedure is not None and procedure in self.procedures)

    def may(self, *roles: str) -> bool:
        return self.role == "admin" or self.role in roles


def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()


def _key(name: str) -> str:
    if not NAME.match(name):
        raise UserError(f"user name {name!r}: use lower case letters, digits, . _ - (at most 64)")
    return f"{PREFIX}{name}.json"


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"password too short: at least {MIN_PASSWORD} characters")


def get(store: Store, name: str) -> User | None:
    try:
        data = json.loads(store.get(_key(name)))
    except (KeyError, UserError):
        return None
    return User(data["name"], data["role"], tuple(data["procedures"]), data["password_hash"])


def _put(store: Store, user: User) -> None:
    data = asdict(user)
    data["procedures"] = list(user.procedures)
    store.put(_key(user.name), json.dumps(data, indent=1).encode(), content_type="application/json")


def add(store: Store, name: str, role: str, procedures: list[str], password: str) -> User:
    if role not in ROLES:
        raise UserError(f"role {role!r}: one of {', '.join(ROLES)}")
    key = _key(name)
    if store.exists(key):
        raise UserError(f"user {name} exists already (demat user passwd {name} changes the password)")
    _check_password(password)
    user = User(name, role, tuple(procedures or ["*"]), _hasher().hash(password))
    _put(store, user)
    return user


def set_password(store: Store, name: str, password: str) -> None:
    user = get(store, name)
    if user is None:
        raise UserError(f"no user {name}")
    _check_password(password)
    _put(store, User(user.name, user.role, user.procedures, _hasher().hash(password)))


def all_users(store: Store) -> list[User]:
    names = [k[len(PREFIX):-len(".json")] for k in store.list(PREFIX) if k.endswith(".json")]
    return [u for u in (get(store, n) for n in sorted(names)) if u is not None]


def verify(store: Store, name: str, password: str) -> User | None:
    """The user when the password is theirs; None otherwise (unknown name or wrong password alike)."""
    from argon2.exceptions import InvalidHashError, VerificationError

    user = get(store, name) if NAME.match(name or "") else None
    hasher = _hasher()
    if user is None:
        try:  # as long as a real check, so that timing tells no names
            hasher.verify(hasher.hash("not-a-user-password"), password or "x")
        except VerificationError:
            pass
        return None
    try:
        hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    return user
