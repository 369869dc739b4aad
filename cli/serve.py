"""`roadmap serve`: the operator's whole setup on one machine (Prefect server, work pool, deployments, workers)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.store import DbOption, _fail, _url
from models.settings import get_settings


def serve(
    host: Annotated[str, typer.Option("--host", help="address the Prefect server listens on")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="port of the Prefect server and UI")] = 4200,
    workers: Annotated[int, typer.Option("--workers", min=1, help="workers of the process pool to start")] = 1,
    web_port: Annotated[int, typer.Option("--web-port", help="port of the web pages")] = 8000,
    no_web: Annotated[bool, typer.Option("--no-web", help="do not start the web pages")] = False,
    prefect_home: Annotated[
        Path | None, typer.Option("--prefect-home", help="the server's own folder (default ROADMAP_DATA_DIR/prefect)")
    ] = None,
    db: DbOption = None,
) -> None:
    """Run the product as a service: Prefect server, work pool, the deployments of prefect.yaml, workers, pages.

    The daily sweeps (09:00 in each zone), the dispatch of failed sends every 5 minutes and the
    yearly monitoring then run on their schedules; the runs get this store (--db or ROADMAP_DB),
    ROADMAP_SMTP_URL, ROADMAP_DATA_DIR and the project folder (ROADMAP_HOME, default this checkout).
    It also serves the web pages (--web-port, default 8000; --no-web not). Prints the UI's address
    and each deployment's next run; Ctrl-C stops everything it started.

    Example: roadmap serve --workers 2   (with ROADMAP_SMTP_URL=mailto://smtp.example.org:25?from=roadmap@example.org)
    """
    from models.db import StoreError, describe, open_store
    from service.serve import ServeConfig, run

    settings = get_settings()
    url = _url(db)
    try:
        open_store(url).dispose()  # a store that cannot be opened is said now, not in every run's log
    except StoreError as exc:
        raise _fail(f"error: {exc}") from None
    project = settings.project_dir
    if not (project / "prefect.yaml").is_file():
        raise _fail(f"error: no prefect.yaml in {project}: set ROADMAP_HOME to the project folder")
    if not settings.smtp_url:
        typer.echo("warning: ROADMAP_SMTP_URL is not set: sweeps refuse to run while the registry has e-mail "
                   "contacts", err=True)  # fmt: skip
    run_env = {"ROADMAP_DB": url, "ROADMAP_DATA_DIR": str(settings.data_dir), "ROADMAP_HOME": str(project)}
    if not no_web:
        # digests link to the pages this command starts, unless the region set their public address
        run_env["ROADMAP_WEB_URL"] = settings.web_url or f"http://{host}:{web_port}"
    if settings.smtp_url:
        run_env["ROADMAP_SMTP_URL"] = settings.smtp_url
    if settings.audit_key is not None:  # resolved: every flow run signs with the same key, whatever its folder
        run_env["ROADMAP_AUDIT_KEY"] = str(settings.audit_key.resolve())
    if settings.auditor:
        run_env["ROADMAP_AUDITOR"] = settings.auditor
    config = ServeConfig(
        host=host, port=port, workers=workers, prefect_home=(prefect_home or settings.data_dir / "prefect").resolve(),
        project_dir=project, run_env=run_env, web_port=None if no_web else web_port,
    )  # fmt: skip
    typer.echo(f"store: {describe(url)}")
    code = run(config, lambda line: typer.echo(line))
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    app.command()(serve)
