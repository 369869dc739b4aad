"""Operations on the people who use the pages and the API: add, list, disable, tokens, passwords."""

from __future__ import annotations

from collections.abc import Sequence

from models.store import WebUser
from operations.context import Context
from tasks import accounts
from tasks.accounts import AccountError

__all__ = ["AccountError", "add_user", "disable_user", "issue_token", "list_users", "revoke_tokens", "set_password"]


def add_user(ctx: Context, *, email: str, role: str, org_id: str | None = None, municipality: str | None = None
             ) -> WebUser:  # fmt: skip
    with ctx.transaction() as session:
        return accounts.add_user(session, email=email, role=role, org_id=org_id, municipality=municipality,
                                 now=ctx.now, by=ctx.actor)  # fmt: skip


def list_users(ctx: Context) -> Sequence[WebUser]:
    with ctx.reading() as session:
        return accounts.list_users(session)


def disable_user(ctx: Context, *, email: str) -> WebUser:
    with ctx.transaction() as session:
        return accounts.disable_user(session, email=email, now=ctx.now, by=ctx.actor)


def issue_token(ctx: Context, *, email: str, label: str = "") -> str:
    """A new personal API token: the only time it is shown."""
    with ctx.transaction() as session:
        return accounts.issue_api_token(session, email=email, label=label, now=ctx.now, by=ctx.actor)


def revoke_tokens(ctx: Context, *, email: str) -> int:
    with ctx.transaction() as session:
        return accounts.revoke_api_tokens(session, email=email, now=ctx.now, by=ctx.actor)


def set_password(ctx: Context, *, email: str, password: str) -> None:
    with ctx.transaction() as session:
        accounts.set_password(session, email=email, password=password, now=ctx.now, by=ctx.actor)


def sign_in_link(ctx: Context, *, email: str, next_path: str = "/") -> str:
    """A one-time sign-in token for a user (the operator hands out a ready-made sign-in, e.g. in the demo)."""
    with ctx.transaction() as session:
        user = accounts.find_user(session, email)
        if user is None or user.disabled_at is not None:
            raise AccountError(f"no active user {email}")
        return accounts.new_signin_link(session, user=user, next_path=next_path, now=ctx.now)
