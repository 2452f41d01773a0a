"""``flask`` commands: create-user, demo-data, print-handouts, rebuild-rollups, purge."""

from __future__ import annotations

import os
from datetime import datetime

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select, text

from outreach_app.extensions import db
from outreach_app.handouts.kinds import HandoutLanguage, PrintLayout


def register_cli(app: Flask) -> None:
    """Attach the project's commands to ``flask``."""
    app.cli.add_command(create_user_command)
    app.cli.add_command(demo_data_command)
    app.cli.add_command(print_handouts_command)
    app.cli.add_command(rebuild_rollups_command)
    app.cli.add_command(purge_command)


@click.command("rebuild-rollups")
@with_appcontext
def rebuild_rollups_command() -> None:
    """Recount the coverage rollups from the raw rows (after restoring or bulk-loading data)."""
    from outreach_app.coverage import rollups

    rows = rollups.rebuild_all(db.session)
    db.session.commit()
    click.echo(f"Coverage rollups rebuilt: {rows} rows.")


@click.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice(["admin", "head", "staff"]), required=True)
@click.option("--region", "region_code", help="Division code of a head's region.")
@click.option("--branch", "branch_name", help="Name of a staff member's branch.")
@click.option("--display-name", default="", help="Name shown in the interface.")
@with_appcontext
def create_user_command(
    username: str, role: str, region_code: str | None, branch_name: str | None, display_name: str
) -> None:
    """Create a user; the password is prompted for, or read from OUTREACH_PASSWORD."""
    from outreach_app.core.validation import ServiceError
    from outreach_app.users.services import create_user

    password = os.environ.get("OUTREACH_PASSWORD") or click.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    try:
        user = create_user(
            username=username,
            role=role,
            password=password,
            display_name=display_name,
            region_code=region_code,
            branch_name=branch_name,
        )
    except ServiceError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Created {user.role} {user.username}.")


@click.command("demo-data")
@click.option(
    "--events",
    "n_events",
    type=click.IntRange(min=0),
    default=3000,
    show_default=True,
    help="How many events.",
)
@click.option("--seed", default=2024, show_default=True, help="Random seed; same seed, same data.")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The day the demo is built around (YYYY-MM-DD); default: today in the app's time zone.",
)
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has regions.")
@with_appcontext
def demo_data_command(n_events: int, seed: int, today: datetime | None, if_empty: bool) -> None:
    """Fill the database with a realistic, deterministic demo city and print the demo logins."""
    from outreach_app.demo.generate import DemoDataError, generate_demo_data
    from outreach_app.regions.models import Region

    if current_app.config.get("CONFIG_NAME") == "production":
        # The demo logins and their passwords are published (README, `make run`): loading
        # them into a production database would open it to anyone who has read them.
        raise click.ClickException(
            "demo-data is refused under the production configuration (OUTREACH_CONFIG="
            "production): it creates demo logins whose passwords are published. Create real "
            "users with `flask create-user` instead."
        )
    if db.session.execute(select(func.count(Region.id))).scalar_one():
        if if_empty:
            from outreach_app.demo.generate import DEMO_PASSWORDS

            click.echo("The database already has data; demo data not loaded.")
            click.echo("If demo-data loaded it, these logins work (user name: password):")
            for role in ("admin", "head", "staff"):
                click.echo(f"  {role}: {DEMO_PASSWORDS[role]}")
            return
        raise click.ClickException(
            "The database already has regions; demo data is loaded only into an empty database "
            "(use --if-empty to skip this quietly)."
        )
    reported = [0]

    def progress(done: int, total: int) -> None:
        # Only big loads take long enough to need it: a line per 100,000 events, on stderr.
        if total >= 100_000 and (done - reported[0] >= 100_000 or done == total):
            reported[0] = done
            click.echo(f"  {done:,} of {total:,} events", err=True)

    try:
        summary = generate_demo_data(
            n_events=n_events,
            seed=seed,
            today=today.date() if today else None,
            progress=progress,
        )
    except DemoDataError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        # Fresh planner statistics: without them the first queries on a big load are slow.
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    click.echo(summary.describe())


@click.command("print-handouts")
@click.option("--event", "event_id", type=click.IntRange(min=1), required=True, help="Event id.")
@click.option("--handout", "code", required=True, help="Handout code, e.g. pension-scams.")
@click.option("--copies", type=click.IntRange(min=1, max=5000), required=True)
@click.option(
    "--layout",
    type=click.Choice([layout.value for layout in PrintLayout]),
    default=PrintLayout.A4.value,
    show_default=True,
)
@click.option(
    "--lang",
    "language",
    type=click.Choice([language.value for language in HandoutLanguage]),
    default=HandoutLanguage.ZH_CN.value,
    show_default=True,
)
@click.option("--out", "out_path", type=click.Path(dir_okay=False, writable=True), required=True)
@with_appcontext
def print_handouts_command(
    event_id: int, code: str, copies: int, layout: str, language: str, out_path: str
) -> None:
    """Record a print run for an event and write its PDF (one page per copy, or two for A5)."""
    import time
    from pathlib import Path

    from outreach_app.core.validation import ServiceError
    from outreach_app.events.models import Event
    from outreach_app.handouts.services import create_print_run, handout_by_code, write_print_run

    event = db.session.get(Event, event_id)
    if event is None:
        raise click.ClickException(f"No event with id {event_id}.")
    handout = handout_by_code(code, language)
    if handout is None:
        raise click.ClickException(f"No handout {code!r} in {language}.")
    try:
        run = create_print_run(None, event, handout, copies, layout)
    except ServiceError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    target = Path(out_path)
    partial = target.with_name(target.name + ".part")
    start = time.perf_counter()
    with partial.open("wb") as stream:
        pages = write_print_run(run, stream)
    partial.replace(target)
    seconds = time.perf_counter() - start
    click.echo(
        f"Print run {run.id}: {copies} copies on {pages} pages written to {target} "
        f"in {seconds:.2f} s ({pages / seconds:.0f} pages/s)."
    )


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="Only count what is past its retention period.")
@with_appcontext
def purge_command(dry_run: bool) -> None:
    """Remove personal data past its retention period; schedule it daily."""
    from outreach_app.audit.retention import purge_expired

    try:
        results = purge_expired(dry_run=dry_run)
    except ValueError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    for result in results:
        click.echo(
            f"{result.count} {result.label}: older than "
            f"{result.retention_days} days (before {result.cutoff:%Y-%m-%d %H:%M} UTC)."
        )
