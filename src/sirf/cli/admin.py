"""Operator commands that work on the server's own database: server, db, user, token.

They read the same environment as the service (DATABASE_URL, SIRF_DATA_DIR, ...), so run them on
the host where sirf runs. Everything else in the CLI talks to the API over HTTP.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import click


def _container() -> Any:
    from sirf.bootstrap import build
    from sirf.config import Settings
    from sirf.framework.loader import FrameworkConfigError

    try:
        return build(Settings.from_env(os.environ))
    except FrameworkConfigError as exc:
        raise click.ClickException(f"invalid framework configuration: {exc}") from None
    except Exception as exc:
        from sirf.domain.errors import DomainError

        if isinstance(exc, DomainError):
            raise click.ClickException(exc.message) from None
        raise


def _emit(as_json: bool, data: dict[str, Any], text: str) -> None:
    click.echo(json.dumps(data, indent=2) if as_json else text)


@click.command()
@click.option("--host", envvar="SIRF_HOST", default="127.0.0.1", show_default=True, help="Listen address.")
@click.option("--port", envvar="SIRF_PORT", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--no-migrate", is_flag=True, help="Do not upgrade the database schema at start.")
@click.option(
    "--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="Processes (PostgreSQL only)."
)
@click.option(
    "--no-worker", is_flag=True, help="Do not run the background worker in this process (run `sirf worker`)."
)
def server(host: str, port: int, no_migrate: bool, workers: int, no_worker: bool) -> None:
    """Run the sirf service.

    \b
    Examples:
      sirf server                                  # SQLite in ~/.local/share/sirf, port 8000
      DATABASE_URL=postgresql://sirf@db/sirf sirf server --host 0.0.0.0
      sirf db upgrade && sirf server --no-migrate --workers 4

    The first start creates an admin user (your login name) and a CLI profile holding its token,
    so the other sirf commands work at once. A background worker (reminders, deliveries to status
    pages and Slack) runs inside the server unless --no-worker is given.
    """
    import uvicorn

    from sirf import logs
    from sirf.api.app import create_app
    from sirf.first_start import bootstrap_admin, ensure_ready

    os.environ["SIRF_HOST"], os.environ["SIRF_PORT"] = host, str(port)
    container = _container()
    if workers > 1 and container.settings.is_sqlite:
        raise click.UsageError("--workers above 1 needs PostgreSQL; SQLite runs one process")
    log_config = logs.configure(container.settings.log_level)
    ensure_ready(container, migrate_schema=not no_migrate)
    created = bootstrap_admin(container, os.environ)
    if created:
        click.echo(
            f"First start: created admin user {created[0]!r}; CLI profile 'local' saved to {created[1]}\n"
            f"To use the web UI, set a password at http://{host}:{port}/first-password with the token "
            "from that profile file.",
            err=True,
        )
    click.echo(
        f"sirf listening on http://{host}:{port} (database: {container.database.engine.dialect.name})",
        err=True,
    )
    loop = None if no_worker else _start_worker(container, name="in-process")
    if workers > 1:
        uvicorn.run("sirf.api.asgi:app", host=host, port=port, workers=workers, log_config=log_config)
    else:
        uvicorn.run(create_app(container), host=host, port=port, log_config=log_config)
    if loop is not None:
        loop.stop()
    container.close()


def _start_worker(container: Any, *, name: str) -> Any:
    from sirf.bootstrap import make_worker
    from sirf.worker.runner import WorkerLoop

    loop = WorkerLoop(make_worker(container, name=name))
    loop.start()
    return loop


@click.command()
@click.option("--name", default=None, help="Worker name shown on fired reminders (default: host and pid).")
@click.option(
    "--interval", default=1.0, show_default=True, type=click.FloatRange(0.1, 60), help="Idle poll seconds."
)
def worker(name: str | None, interval: float) -> None:
    """Run a background worker: fire reminders and deliver updates to status pages and Slack.

    \b
    Examples:
      sirf worker                                   # alongside `sirf server --no-worker`
      DATABASE_URL=postgresql://sirf@db/sirf sirf worker --name worker-2

    On PostgreSQL run as many as you like: each row is claimed by one worker (SKIP LOCKED).
    On SQLite the server's own in-process worker is the only one you need.
    """
    import signal
    import socket

    from sirf import logs
    from sirf.bootstrap import make_worker
    from sirf.worker.runner import WorkerLoop

    container = _container()
    logs.configure(container.settings.log_level)
    loop = WorkerLoop(
        make_worker(container, name=name or f"{socket.gethostname()}-{os.getpid()}"), interval=interval
    )
    signal.signal(signal.SIGTERM, lambda *_: loop.stop(timeout=0))
    click.echo("sirf worker running; Ctrl-C to stop", err=True)
    try:
        loop.run()
    except KeyboardInterrupt:
        pass
    finally:
        container.close()


@click.group()
def db() -> None:
    """Database schema commands.

    \b
    Examples:
      sirf db upgrade
      sirf db current --json
    """


@db.command("upgrade")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def db_upgrade(as_json: bool) -> None:
    """Upgrade the database schema to the latest revision (safe to run repeatedly)."""
    from sirf.adapters.db import migrate

    container = _container()
    before = migrate.current_revision(container.database)
    migrate.upgrade(container.database)
    after = migrate.current_revision(container.database)
    _emit(as_json, {"from": before, "to": after}, f"schema at revision {after} (was {before})")


@db.command("current")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def db_current(as_json: bool) -> None:
    """Show the schema revision and whether it is the latest."""
    from sirf.adapters.db import migrate

    container = _container()
    current, head = migrate.current_revision(container.database), migrate.head_revision(container.database)
    _emit(as_json, {"current": current, "head": head}, f"current {current}, latest {head}")


@click.group()
def user() -> None:
    """Create and list users on this server's database.

    \b
    Examples:
      sirf user create alice --role responder --name "Alice Smith"
      sirf user list --json
    """


@user.command("create")
@click.argument("username")
@click.option(
    "--role",
    "org_role",
    default="responder",
    show_default=True,
    type=click.Choice(["admin", "responder", "viewer"]),
)
@click.option("--name", "display_name", default="", help="Display name (defaults to the username).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def user_create(username: str, org_role: str, display_name: str, as_json: bool) -> None:
    """Create a user."""
    from sirf.domain.errors import DomainError
    from sirf.domain.raci import OrgRole
    from sirf.services.accounts import create_user

    container = _container()
    try:
        created = create_user(
            username,
            display_name=display_name,
            org_role=OrgRole(org_role),
            actor=None,
            uow=container.uow(),
            env=container.env,
        )
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    _emit(
        as_json,
        {
            "username": created.username,
            "display_name": created.display_name,
            "org_role": created.org_role.value,
        },
        f"created {created.org_role.value} {created.username}",
    )


@user.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def user_list(as_json: bool) -> None:
    """List users."""
    container = _container()
    uow = container.uow()
    with uow(write=False):
        people = uow.users.all()
    data = [
        {"username": u.username, "display_name": u.display_name, "org_role": u.org_role.value} for u in people
    ]
    _emit(
        as_json,
        {"items": data},
        "\n".join(f"{u['username']:<20} {u['org_role']:<10} {u['display_name']}" for u in data),
    )


@click.group()
def token() -> None:
    """Create API tokens on this server's database.

    \b
    Examples:
      sirf token create alice --name laptop          # prints the token once
      sirf token create alice --name ci --save-profile ci --server http://sirf.internal:8000
    """


@token.command("create")
@click.argument("username")
@click.option("--name", default="cli", show_default=True, help="A label to recognise the token by.")
@click.option(
    "--save-profile", default=None, help="Store the token in this CLI profile instead of printing it."
)
@click.option(
    "--server", "server_url", default=None, help="Server URL for --save-profile (default: this host's)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def token_create(
    username: str, name: str, save_profile: str | None, server_url: str | None, as_json: bool
) -> None:
    """Create an API token; it is shown once (or saved straight into a CLI profile)."""
    from sirf.cli.profiles import Profile
    from sirf.cli.profiles import save_profile as store
    from sirf.domain.errors import DomainError
    from sirf.services.accounts import issue_token

    container = _container()
    try:
        created, plaintext = issue_token(
            username, name=name, actor=None, uow=container.uow(), env=container.env
        )
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    data: dict[str, Any] = {
        "id": created.id,
        "name": created.name,
        "prefix": created.prefix,
        "username": username,
    }
    if save_profile:
        path = store(
            Profile(save_profile, server_url or container.settings.server_url, plaintext), make_default=False
        )
        click.echo(f"token {created.id} saved to profile {save_profile!r} in {path}", err=True)
        _emit(as_json, data | {"profile": save_profile}, created.id)
        return
    if sys.stdout.isatty() and not as_json:
        click.echo("Store this token now; it will not be shown again.", err=True)
    _emit(as_json, data | {"token": plaintext}, plaintext)
