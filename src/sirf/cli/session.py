"""The global options (--server, --token, --profile) and the API connection they lead to.

Which server and token a command uses, in order:
1. ``--server`` / ``SIRF_SERVER`` and ``--token`` / ``SIRF_TOKEN`` when given;
2. otherwise the profile named by ``--profile`` / ``SIRF_PROFILE``, else the default profile.
A profile's token is only ever sent to that profile's own server.
Nothing is resolved until a command makes its first request, so ``--help`` reads no files.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from sirf.cli.client import Api, Connection, Wiring
from sirf.cli.errors import CliError

if TYPE_CHECKING:
    from sirf.cli.profiles import Profile

Decorated = TypeVar("Decorated", bound=Callable[..., Any])

SETUP_HINT = "run `sirf server` once to store a profile, or pass --server URL and --token TOKEN"


class Session:
    """What the global options say, and the API client made from them on first use."""

    def __init__(self, *, server: str | None, token: str | None, profile: str | None, wiring: Wiring) -> None:
        self.server = server
        self.token = token
        self.profile = profile
        self.wiring = wiring
        self._api: Api | None = None

    def api(self) -> Api:
        if self._api is None:
            self._api = Api(self.connection(), self.wiring)
        return self._api

    def connection(self) -> Connection:
        return resolve_connection(server=self.server, token=self.token, profile_name=self.profile)

    def close(self) -> None:
        if self._api is not None:
            self._api.close()


def resolve_connection(*, server: str | None, token: str | None, profile_name: str | None) -> Connection:
    if server and token:
        return Connection(_checked(server), token)
    profile = _load_profile(profile_name)
    if server:
        same_server = profile is not None and _checked(profile.server) == _checked(server)
        return Connection(_checked(server), profile.token if profile and same_server else None)
    if profile is None:
        raise CliError("no sirf server configured", hints=[SETUP_HINT])
    return Connection(_checked(profile.server), token or profile.token)


def _checked(server: str) -> str:
    if not server.lower().startswith(("http://", "https://")):
        raise CliError(
            f"the server URL {server!r} is not usable: it must start with http:// or https://",
            hints=["for example: --server http://127.0.0.1:8000 (or SIRF_SERVER)"],
        )
    return server.rstrip("/")


def _load_profile(name: str | None) -> Profile | None:
    from sirf.cli import profiles  # reads files: only when a command needs the server

    try:
        profile = profiles.load_profile(name)
    except (OSError, ValueError) as exc:
        raise CliError(f"cannot read the CLI profiles: {exc}") from exc
    if name and profile is None:
        raise CliError(f"no profile named {name!r} in {profiles.profiles_path()}", hints=[SETUP_HINT])
    return profile


pass_session = click.make_pass_decorator(Session)


def json_option(function: Decorated) -> Decorated:
    return click.option("--json", "as_json", is_flag=True, help="Print the API's JSON answer as it is.")(
        function
    )


def if_version_option(function: Decorated) -> Decorated:
    return click.option(
        "--if-version",
        type=int,
        metavar="VERSION",
        help="Only if the incident is still at this version (from `sirf show`); else exit 8.",
    )(function)
