"""Accounts of the web pages and the API: users with a role and a scope, sign-in links, sessions, tokens.

Every secret handed out (a sign-in link, a session cookie, an API token, a calendar token) is a random
token shown once; the store keeps only its SHA-256, so a copy of the database signs nobody in.
Functions take the session and the clock; the caller owns the transaction.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select, update
from sqlalchemy.engine import CursorResult
from sqlmodel import Session, col

from audit.chain import ActorLike, identify, record_event
from models.addresses import is_email
from models.store import ApiToken, Organisation, SignInLink, WebSession, WebUser

ROLES = ("operator", "coordinator", "curator", "auditor")
ROLE_RU = {"operator": "региональный оператор", "coordinator": "муниципальный координатор",
           "curator": "куратор организации", "auditor": "аудитор"}  # fmt: skip
LINK_TTL = timedelta(minutes=20)
SESSION_TTL = timedelta(hours=12)
_hasher = PasswordHasher()


class AccountError(Exception):
    """A refusal about accounts; the message names the user or value and says what is expected."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def normalise_email(email: str) -> str:
    address = email.strip().lower()
    if not is_email(address):
        raise AccountError(f"«{email}» is not an e-mail address (expected name@example.org)")
    return address


def find_user(session: Session, email: str) -> WebUser | None:
    return session.execute(select(WebUser).where(col(WebUser.email) == email.strip().lower())).scalars().first()


def _user(session: Session, email: str) -> WebUser:
    user = find_user(session, email)
    if user is None:
        known = session.execute(select(func.count()).select_from(WebUser)).scalar_one()
        raise AccountError(f"no user {email.strip().lower()} (there are {known}; see: roadmap users list)")
    return user


def add_user(
    session: Session, *, email: str, role: str, org_id: str | None, municipality: str | None, now: datetime,
    by: ActorLike,
) -> WebUser:  # fmt: skip
    """A new user with a role and, for a curator an organisation, for a coordinator a municipality."""
    address = normalise_email(email)
    if role not in ROLES:
        raise AccountError(f"--role must be one of {', '.join(ROLES)}, found «{role}»")
    if find_user(session, address) is not None:
        raise AccountError(f"{address} is already a user (roadmap users list shows them)")
    if role == "curator":
        if not org_id:
            raise AccountError("a curator needs --org ORG: the organisation whose milestones they see")
        if session.get(Organisation, org_id) is None:
            raise AccountError(f"--org: no organisation «{org_id}» in the registry (roadmap orgs list shows them)")
    elif org_id:
        sees = "one municipality" if role == "coordinator" else "everything"
        raise AccountError(f"--org is for curators only; a {role} sees {sees}")
    if role == "coordinator":
        if not municipality:
            raise AccountError("a coordinator needs --municipality M: the municipality whose milestones they see")
        known = sorted(
            set(session.execute(select(col(Organisation.municipality)).distinct()).scalars()) - {None, ""}  # type: ignore[arg-type]
        )
        if municipality not in known:
            raise AccountError(f"--municipality: no «{municipality}» in the registry (it has: {', '.join(known)})")
    elif municipality:
        raise AccountError("--municipality is for coordinators only")
    user = WebUser(
        email=address, role=role, org_id=org_id, municipality=municipality, created_at=now, created_by=identify(by)[0]
    )
    session.add(user)
    session.flush()
    record_event(session, actor=by, action="user.added", subject=f"user/{user.id}", at=now,
                 payload={"role": role, "org": org_id, "municipality": municipality})  # fmt: skip
    return user


def list_users(session: Session) -> Sequence[WebUser]:
    return session.execute(select(WebUser).order_by(col(WebUser.email))).scalars().all()


def disable_user(session: Session, *, email: str, now: datetime, by: ActorLike) -> WebUser:
    """Disable a user: their sessions, tokens and links stop working at once. Never deleted."""
    user = _user(session, email)
    if user.disabled_at is not None:
        raise AccountError(f"{user.email} is already disabled (since {user.disabled_at:%Y-%m-%d %H:%M} UTC)")
    user.disabled_at = now
    session.execute(update(WebSession).where(col(WebSession.user_id) == user.id, col(WebSession.revoked_at).is_(None))
                    .values(revoked_at=now))  # fmt: skip
    session.execute(update(ApiToken).where(col(ApiToken.user_id) == user.id, col(ApiToken.revoked_at).is_(None))
                    .values(revoked_at=now))  # fmt: skip
    record_event(session, actor=by, action="user.disabled", subject=f"user/{user.id}", at=now, payload={})
    return user


def issue_api_token(session: Session, *, email: str, label: str, now: datetime, by: ActorLike) -> str:
    """A new personal API token for the user: returned once, stored hashed."""
    user = _usable(_user(session, email))
    token = new_token()
    session.add(ApiToken(user_id=user.id, token_hash=token_hash(token), label=label, created_at=now))  # type: ignore[arg-type]
    session.flush()
    record_event(session, actor=by, action="user.token_issued", subject=f"user/{user.id}", at=now,
                 payload={"label": label})  # fmt: skip
    return token


def revoke_api_tokens(session: Session, *, email: str, now: datetime, by: ActorLike) -> int:
    user = _user(session, email)
    revoked = cast(CursorResult[Any], session.execute(
        update(ApiToken).where(col(ApiToken.user_id) == user.id, col(ApiToken.revoked_at).is_(None))
        .values(revoked_at=now).execution_options(synchronize_session=False)
    )).rowcount  # fmt: skip
    record_event(session, actor=by, action="user.tokens_revoked", subject=f"user/{user.id}", at=now,
                 payload={"revoked": revoked})  # fmt: skip
    return int(revoked or 0)


def user_for_api_token(session: Session, token: str, now: datetime) -> WebUser | None:
    row = session.execute(
        select(ApiToken, WebUser).join(WebUser, col(WebUser.id) == col(ApiToken.user_id))
        .where(col(ApiToken.token_hash) == token_hash(token), col(ApiToken.revoked_at).is_(None),
               col(WebUser.disabled_at).is_(None))
    ).first()  # fmt: skip
    if row is None:
        return None
    api_token, user = row
    api_token.last_used_at = now
    return user


def _usable(user: WebUser) -> WebUser:
    if user.disabled_at is not None:
        raise AccountError(f"{user.email} is disabled")
    return user


def new_signin_link(session: Session, *, user: WebUser, next_path: str, now: datetime) -> str:
    """A one-time sign-in token for the user (to be e-mailed as a link), valid for LINK_TTL."""
    token = new_token()
    session.add(SignInLink(user_id=user.id, token_hash=token_hash(token), next_path=safe_next(next_path),  # type: ignore[arg-type]
                           created_at=now, expires_at=now + LINK_TTL))  # fmt: skip
    session.flush()
    return token


@dataclass(frozen=True)
class SignedIn:
    user: WebUser
    token: str  # the session cookie's value
    csrf: str
    next_path: str


def use_signin_link(session: Session, token: str, now: datetime) -> SignedIn:
    """Spend a sign-in link (once) and open a session; AccountError when it is unknown, used or expired."""
    link = session.execute(select(SignInLink).where(col(SignInLink.token_hash) == token_hash(token))).scalars().first()
    if link is None:
        raise AccountError("эта ссылка для входа недействительна")
    if link.used_at is not None:
        raise AccountError("эта ссылка для входа уже использована: запросите новую")
    if _aware(link.expires_at) <= now:
        raise AccountError("срок действия ссылки для входа истёк: запросите новую")
    won = cast(CursorResult[Any], session.execute(
        update(SignInLink).where(col(SignInLink.id) == link.id, col(SignInLink.used_at).is_(None))
        .values(used_at=now).execution_options(synchronize_session=False)
    )).rowcount  # fmt: skip
    if won != 1:
        raise AccountError("эта ссылка для входа уже использована: запросите новую")
    user = session.get(WebUser, link.user_id)
    if user is None or user.disabled_at is not None:
        raise AccountError("учётная запись отключена")
    return open_session(session, user=user, how="link", now=now, next_path=link.next_path)


def open_session(session: Session, *, user: WebUser, how: str, now: datetime, next_path: str = "/") -> SignedIn:
    token, csrf = new_token(), secrets.token_hex(16)
    session.add(WebSession(user_id=user.id, token_hash=token_hash(token), csrf=csrf, how=how, created_at=now,  # type: ignore[arg-type]
                           expires_at=now + SESSION_TTL))  # fmt: skip
    session.flush()
    return SignedIn(user, token, csrf, safe_next(next_path))


def session_for(session: Session, token: str, now: datetime) -> tuple[WebUser, WebSession] | None:
    row = session.execute(
        select(WebSession, WebUser).join(WebUser, col(WebUser.id) == col(WebSession.user_id))
        .where(col(WebSession.token_hash) == token_hash(token), col(WebSession.revoked_at).is_(None),
               col(WebUser.disabled_at).is_(None))
    ).first()  # fmt: skip
    if row is None or _aware(row[0].expires_at) <= now:
        return None
    return row[1], row[0]


def end_session(session: Session, token: str, now: datetime) -> None:
    session.execute(update(WebSession).where(col(WebSession.token_hash) == token_hash(token))
                    .values(revoked_at=now))  # fmt: skip


def set_password(session: Session, *, email: str, password: str, now: datetime, by: ActorLike) -> None:
    if len(password) < 12:
        raise AccountError("a password needs at least 12 characters")
    user = _usable(_user(session, email))
    user.password_hash = _hasher.hash(password)
    record_event(session, actor=by, action="user.password_set", subject=f"user/{user.id}", at=now, payload={})


def check_password(session: Session, *, email: str, password: str) -> WebUser | None:
    user = find_user(session, email)
    if user is None or user.disabled_at is not None or not user.password_hash:
        _hasher.hash(password)  # the same work either way: timing says nothing about who exists
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    return user


def new_feed_token(session: Session, *, user: WebUser) -> str:
    """A new calendar token for the user (the old one stops working)."""
    token = new_token()
    user.feed_token_hash = token_hash(token)
    return token


def user_for_feed(session: Session, token: str) -> WebUser | None:
    return (
        session.execute(
            select(WebUser).where(col(WebUser.feed_token_hash) == token_hash(token), col(WebUser.disabled_at).is_(None))
        )
        .scalars()
        .first()
    )


def safe_next(path: str | None) -> str:
    """A local path to go to after sign-in: never another site (//evil.example, https://…)."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path


def _aware(moment: datetime) -> datetime:
    from datetime import UTC

    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
