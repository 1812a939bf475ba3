"""Administrators: accounts, logins, sessions and their CSRF tokens."""

from __future__ import annotations

import hmac
from datetime import timedelta

from newsdesk.config import Settings
from newsdesk.keys import utcnow
from newsdesk.removal import auth
from newsdesk.removal.models import AdminError
from newsdesk.store import Store, removals
from newsdesk.store.removals import AdminSessionView


class Administrators:
    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings

    def create_admin(self, name: str, password: str) -> int:
        """A new administrator; raises AdminError when the name is taken or malformed or the password is
        shorter than 10 characters."""
        name = (name or "").strip()
        if not auth.ADMIN_NAME.match(name):
            raise AdminError("an administrator name is 1-100 letters, digits, '.', '_', '-' or '@'")
        if len(password or "") < auth.MIN_PASSWORD:
            raise AdminError(f"the password must have at least {auth.MIN_PASSWORD} characters")
        admin_id = removals.add_admin(self.store, name, auth.hash_password(password))
        if admin_id is None:
            raise AdminError(f"an administrator named {name!r} exists already")
        return admin_id

    def verify_admin(self, name: str, password: str) -> int | None:
        """The administrator's id when the password is right, else None (same cost for an unknown name)."""
        row = removals.admin_password(self.store, (name or "").strip())
        ok = auth.verify_password(password or "", row[1] if row else auth.DUMMY_HASH)
        return row[0] if row and ok else None

    def start_session(self, admin_id: int) -> tuple[str, str]:
        """(token, csrf token) of a new session lasting `admin_session_minutes`; only the token's hash is
        stored. Expired sessions are cleared on the way."""
        token, csrf = auth.new_token(), auth.new_token()
        now = utcnow()
        removals.add_admin_session(self.store, auth.token_hash(token), admin_id, csrf, now,
                                   now + timedelta(minutes=self.settings.admin_session_minutes))
        return token, csrf

    def session(self, token: str | None) -> AdminSessionView | None:
        """The live session of this token, or None (unknown, ended or expired)."""
        if not token:
            return None
        sess = removals.admin_session(self.store, auth.token_hash(token))
        return sess if sess is not None and sess.expires_at > utcnow() else None

    def check_csrf(self, token: str | None, csrf: str | None) -> bool:
        """Whether `csrf` is the CSRF token of the live session `token` (constant-time comparison)."""
        sess = self.session(token)
        return bool(sess and csrf) and hmac.compare_digest(sess.csrf_token.encode(), (csrf or "").encode())

    def end_session(self, token: str | None) -> None:
        if token:
            removals.end_admin_session(self.store, auth.token_hash(token))
