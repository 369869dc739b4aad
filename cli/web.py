"""`roadmap web` (the pages and the API) and `roadmap users` (who may sign in, and as what)."""

from __future__ import annotations

import json
from typing import Annotated, Literal

import typer

from cli.store import DbOption, _engine, _fail
from operations.context import Actor, Context

users_app = typer.Typer(help="People who sign in to the web pages and the API: add, list, disable, tokens.")


def _ctx(db: str | None) -> Context:
    return Context(_engine(db), Actor.from_cli())


def web(
    host: Annotated[str, typer.Option("--host", help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="port to listen on")] = 8000,
    db: DbOption = None,
) -> None:
    """Serve the web pages (in Russian) and the JSON API under /api over the store.

    Curators sign in by a one-time link sent by e-mail (ROADMAP_SMTP_URL) and mark their milestones
    done; the operator sees the board, coordinators their municipality, auditors the history. Links in
    messages point at ROADMAP_WEB_URL (default http://127.0.0.1:8000). The API is described at
    /api/docs (OpenAPI at /api/openapi.json).

    Example: roadmap web --port 8000
    """
    import uvicorn

    from web.app import create_app

    engine = _engine(db)  # a store that cannot be opened is refused here, with the fix
    engine.dispose()
    from cli.store import _url

    app = create_app(db_url=_url(db))
    typer.echo(f"web pages at http://{host}:{port}/  (API description: http://{host}:{port}/api/docs)")
    uvicorn.run(app, host=host, port=port, log_level="warning")


@users_app.command("add")
def users_add(
    email: Annotated[str, typer.Argument(help="the user's e-mail address (how they sign in)")],
    role: Annotated[
        Literal["operator", "coordinator", "curator", "auditor"],
        typer.Option("--role", help="operator, coordinator, curator or auditor"),
    ],
    org: Annotated[str | None, typer.Option("--org", help="a curator's organisation (registry id)")] = None,
    municipality: Annotated[str | None, typer.Option("--municipality", help="a coordinator's municipality")] = None,
    db: DbOption = None,
) -> None:
    """Add a user: a curator sees one organisation, a coordinator one municipality, the operator everything,
    an auditor everything read-only. They sign in with a one-time link sent to the address.

    Example: roadmap users add curator@school1.example.org --role curator --org sech-oo-01
    """
    from operations.users import AccountError, add_user

    try:
        user = add_user(_ctx(db), email=email, role=role, org_id=org, municipality=municipality)
    except AccountError as exc:
        raise _fail(f"error: {exc}") from None
    typer.echo(f"user {user.email} added as {user.role}" + (f" of {org}" if org else "")
               + (f" of {municipality}" if municipality else ""))  # fmt: skip


@users_app.command("list")
def users_list(
    format: Annotated[Literal["table", "json"], typer.Option("--format", help="table or json")] = "table",
    db: DbOption = None,
) -> None:
    """List the users with their role, scope and state.

    Example: roadmap users list --format json
    """
    from operations.users import list_users

    users = list_users(_ctx(db))
    rows = [{"email": u.email, "role": u.role, "org": u.org_id, "municipality": u.municipality,
             "password": bool(u.password_hash), "disabled": u.disabled_at.isoformat() if u.disabled_at else None}
            for u in users]  # fmt: skip
    if format == "json":
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        scope = str(r["org"] or r["municipality"] or "—")
        state = f"disabled {str(r['disabled'])[:10]}" if r["disabled"] else "active"
        typer.echo(f"{r['email']:<40} {r['role']:<12} {scope:<30} {state}")
    if not rows:
        typer.echo("(no users: roadmap users add EMAIL --role …)")


@users_app.command("disable")
def users_disable(email: Annotated[str, typer.Argument(help="the user's e-mail address")], db: DbOption = None) -> None:
    """Disable a user: their sessions and tokens stop working at once (the user stays in the history).

    Example: roadmap users disable curator@school1.example.org
    """
    from operations.users import AccountError, disable_user

    try:
        user = disable_user(_ctx(db), email=email)
    except AccountError as exc:
        raise _fail(f"error: {exc}") from None
    typer.echo(f"user {user.email} disabled")


@users_app.command("token")
def users_token(
    email: Annotated[str, typer.Argument(help="the user's e-mail address")],
    label: Annotated[str, typer.Option("--label", help="what the token is for")] = "",
    revoke: Annotated[bool, typer.Option("--revoke", help="revoke every token of the user instead")] = False,
    db: DbOption = None,
) -> None:
    """Issue a personal API token (shown once, stored hashed) or revoke the user's tokens.

    Use it as `Authorization: Bearer TOKEN` on /api.

    Example: roadmap users token portal@region.example.org --label "региональный портал"
    """
    from operations.users import AccountError, issue_token, revoke_tokens

    try:
        if revoke:
            n = revoke_tokens(_ctx(db), email=email)
            typer.echo(f"{n} token{'s' if n != 1 else ''} of {email} revoked")
            return
        token = issue_token(_ctx(db), email=email, label=label)
    except AccountError as exc:
        raise _fail(f"error: {exc}") from None
    typer.echo(token)
    typer.echo("(shown once: store it now; roadmap users token EMAIL --revoke revokes it)", err=True)


@users_app.command("link")
def users_link(
    email: Annotated[str, typer.Argument(help="the user's e-mail address")],
    next_path: Annotated[str, typer.Option("--next", help="the page to open after signing in")] = "/",
    base: Annotated[
        str | None, typer.Option("--base", help="the pages' address (default ROADMAP_WEB_URL or http://127.0.0.1:8000)")
    ] = None,
    db: DbOption = None,
) -> None:
    """Print a one-time sign-in link for a user (valid 20 minutes), to hand over when e-mail is not an option.

    Example: roadmap users link curator@school1.example.org --next /milestones
    """
    from models.settings import get_settings
    from operations.users import AccountError, sign_in_link

    site = (base or get_settings().web_url or "http://127.0.0.1:8000").rstrip("/")
    try:
        token = sign_in_link(_ctx(db), email=email, next_path=next_path)
    except AccountError as exc:
        raise _fail(f"error: {exc}") from None
    typer.echo(f"{site}/auth/link/{token}")


@users_app.command("password")
def users_password(
    email: Annotated[str, typer.Argument(help="the user's e-mail address")], db: DbOption = None
) -> None:
    """Set a password for a user (optional: sign-in links need none); read from the terminal, hashed with argon2.

    Example: roadmap users password operator@region.example.org
    """
    from operations.users import AccountError, set_password

    password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    try:
        set_password(_ctx(db), email=email, password=password)
    except AccountError as exc:
        raise _fail(f"error: {exc}") from None
    typer.echo(f"password of {email} set")


def register(app: typer.Typer) -> None:
    app.command()(web)
    app.add_typer(users_app, name="users")
