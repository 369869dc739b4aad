"""The audit chain's commands: keygen, checkpoint, rotate, verify, prove, baseline (`audit log` is in cli/audit.py).

Each resolves the context once (store, actor, clock, settings), calls one operation of
operations/audit.py and prints. Exit codes: 0 verified; 1 verification failed (or a receipt could not
be proved); 2 a refusal (a key file that cannot be used, a checkpoint file that is not one, nothing to
sign), naming the file or object.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from cli.store import DbOption, _fail, cli_context

EXIT_FAILED = 1

audit_app = typer.Typer(
    help=(
        "The audit trail: a hash chain of events whose head is signed in checkpoints (Ed25519), the state the "
        "events replay to, receipts and their proofs.\n\n"
        "Exit codes: 0 verified; 1 verification failed or a receipt not proved; 2 a refusal (the message names it)."
    ),
    no_args_is_help=True,
)

CheckpointOption = Annotated[
    Path | None,
    typer.Option("--checkpoint", help="a checkpoint held outside the store (as roadmap audit checkpoint -o wrote it)"),
]


@audit_app.command("keygen")
def keygen(
    output: Annotated[Path, typer.Option("-o", "--output", help="where to write the private key (mode 0600)")],
) -> None:
    """Make an Ed25519 signing key for checkpoints: the private key in FILE (0600), its public half in FILE.pub.

    Keep the key outside the store and set ROADMAP_AUDIT_KEY to its path; give auditors the key id and
    the public key printed here. An existing file is never overwritten.

    Example: roadmap audit keygen -o /etc/roadmap/audit.key
    """
    from audit.keys import AuditKeyError, generate_key, public_path

    try:
        key = generate_key(output)
    except AuditKeyError as exc:
        raise _fail(f"error: {exc}") from None
    typer.echo(f"signing key written to {output} (mode 0600); public key in {public_path(output)}")
    typer.echo(f"key id: {key.key_id}")
    typer.echo(f"public key (Ed25519, base64): {key.public.b64}")
    typer.echo(f"use it: export ROADMAP_AUDIT_KEY={output}; give the key id and public key to the auditors")


@audit_app.command("checkpoint")
def checkpoint(
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="also write the signed checkpoint to FILE as JSON")
    ] = None,
    db: DbOption = None,
) -> None:
    """Sign the chain as it stands with ROADMAP_AUDIT_KEY and store the checkpoint; -o exports it for auditors.

    Refused (exit 2) when no key is configured, the chain is empty, or the chain no longer extends a
    checkpoint already signed (the history was rewritten: run roadmap audit verify).

    Example: roadmap audit checkpoint -o checkpoint-2021-10-12.json
    """
    from audit.checkpoints import CheckpointError
    from audit.keys import AuditKeyError
    from operations import audit as audit_ops

    with cli_context(db) as ctx:
        try:
            signed = audit_ops.checkpoint(ctx)
            if output is not None:
                audit_ops.write_checkpoint_file(signed, output)
        except (AuditKeyError, CheckpointError) as exc:
            raise _fail(f"error: {exc}") from None
        except OSError as exc:
            raise _fail(f"-o: cannot write {output}: {exc.strerror}") from None
    s = signed.statement
    typer.echo(f"checkpoint: events 1-{s.size} signed {s.signed_at:%Y-%m-%d %H:%M} UTC by key {s.key_id}")
    typer.echo(f"  head {s.head}")
    typer.echo(f"  root {s.root}")
    if output is not None:
        typer.echo(
            f"written to {output}: send it to the auditors; roadmap audit verify --checkpoint {output} checks it"
        )


@audit_app.command("rotate")
def rotate(
    new_key: Annotated[Path, typer.Argument(help="the new key's file (made with roadmap audit keygen)")],
    db: DbOption = None,
) -> None:
    """Hand signing over to a new key: a checkpoint signed by the new key, naming and countersigned by the old one.

    The old key is ROADMAP_AUDIT_KEY; after this, set ROADMAP_AUDIT_KEY to the new file. Verification
    trusts the new key through the old one, and refuses checkpoints the old key signs afterwards.

    Example: roadmap audit rotate /etc/roadmap/audit-2022.key
    """
    from audit.checkpoints import CheckpointError
    from audit.keys import AuditKeyError
    from operations import audit as audit_ops

    with cli_context(db) as ctx:
        try:
            signed = audit_ops.rotate(ctx, new_key=new_key)
        except (AuditKeyError, CheckpointError) as exc:
            raise _fail(f"error: {exc}") from None
    s = signed.statement
    typer.echo(f"key {s.key_id} takes over from key {s.previous_key_id} at event {s.size} (countersigned)")
    typer.echo(f"now set ROADMAP_AUDIT_KEY={new_key}")


@audit_app.command("verify")
def verify(checkpoint: CheckpointOption = None, db: DbOption = None) -> None:
    """Verify the history: the hash chain, every signed checkpoint, and the tables against the events.

    Checks every link and hash of the chain; every stored checkpoint's signature and that the chain
    still extends it (and so the checkpoints recorded beside ROADMAP_AUDIT_KEY, and --checkpoint FILE,
    one held outside the store); then replays the milestones, completions and plan versions from the
    events and names every row of the tables that differs. Events after the last checkpoint are
    reported as not yet checkpointed. Exit 1 naming each problem.

    Example: roadmap audit verify --checkpoint checkpoint-2021-10-12.json
    """
    from audit.checkpoints import CheckpointError
    from audit.keys import AuditKeyError
    from operations import audit as audit_ops

    with cli_context(db, readonly=True) as ctx:
        try:
            report = audit_ops.verify(ctx, held=checkpoint)
        except (AuditKeyError, CheckpointError) as exc:
            raise _fail(f"error: {exc}") from None
    for line in report.summary():
        typer.echo(line)
    problems = report.problems()
    if problems:
        for line in problems:
            typer.echo(line, err=True)
        typer.echo(f"verification failed: {len(problems)} problem{'s' if len(problems) > 1 else ''}", err=True)
        raise typer.Exit(EXIT_FAILED)


@audit_app.command("prove")
def prove(
    receipt: Annotated[str, typer.Argument(help="EVENT:HASH as roadmap complete printed it, or a proof file")],
    checkpoint: CheckpointOption = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="write the proof to FILE as JSON")] = None,
    db: DbOption = None,
) -> None:
    """Show that a receipt's event is in the signed history: its RFC 6962 inclusion proof up to a checkpoint.

    The proof is the event, log2(n) hashes and the signed checkpoint: it shows no other event, and
    `roadmap audit prove PROOF.json` checks a written proof again without the store. Exit 1 when the
    event is not there, was rewritten, or is not yet in a signed checkpoint.

    Example: roadmap audit prove 1234:9f2c0e…
    """
    from audit.checkpoints import CheckpointError
    from audit.keys import AuditKeyError
    from audit.proofs import ProofError
    from operations import audit as audit_ops

    with cli_context(db, readonly=True) as ctx:
        try:
            proved = audit_ops.prove_receipt(ctx, receipt, held=checkpoint)
            if output is not None:
                output.write_text(json.dumps(proved.proof.to_json(), ensure_ascii=False, indent=2) + "\n", "utf-8")
        except (AuditKeyError, CheckpointError) as exc:
            raise _fail(f"error: {exc}") from None
        except ProofError as exc:
            typer.echo(f"not proved: {exc}", err=True)
            raise typer.Exit(EXIT_FAILED) from None
        except OSError as exc:
            raise _fail(f"-o: cannot write {output}: {exc.strerror}") from None
    for line in proved.proof.lines():
        typer.echo(line)
    if proved.offline:
        typer.echo("checked from the proof file alone (the store was not read)")
    if output is not None:
        typer.echo(f"proof written to {output}")


@audit_app.command("baseline")
def baseline(db: DbOption = None) -> None:
    """Record once the state of every milestone that no event created (a store from before state events).

    A store upgraded from a release whose events did not carry milestone state has nothing to replay
    its milestones from; this records them, with their completions, as found, in events that say so.

    Example: roadmap audit baseline
    """
    from audit.replay import BaselineError
    from operations import audit as audit_ops

    with cli_context(db) as ctx:
        try:
            count = audit_ops.baseline(ctx)
        except BaselineError as exc:
            raise _fail(f"error: {exc}") from None
    typer.echo(f"baseline: the state of {count} milestones recorded as found; roadmap audit verify checks from here")
