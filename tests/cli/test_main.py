"""The entry point: lazy command loading, help texts, the exit-code documentation, import weight."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from sirf import __version__
from sirf.cli import errors
from sirf.cli.main import COMMANDS, LazyCommand, LazyGroup, cli, load_command

OWN_COMMANDS = sorted(
    name for name, entry in COMMANDS.items() if not entry.target.startswith("sirf.cli.admin")
)


def _python(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return done.stdout


def test_importing_the_entry_point_imports_no_http_or_server_libraries() -> None:
    code = (
        "import sys, sirf.cli.main\n"
        "heavy = ('httpx', 'httpcore', 'sqlalchemy', 'fastapi', 'pydantic', 'sirf.domain',\n"
        "         'sirf.cli.admin')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy or m.startswith(heavy)))"
    )
    assert _python(code).strip() == "[]"


def test_top_level_help_lists_every_command_without_importing_any() -> None:
    code = (
        "import sys\n"
        "from sirf.cli.main import cli\n"
        "cli.main(['--help'], prog_name='sirf', standalone_mode=False)\n"
        "print('LOADED', sorted(m for m in sys.modules if m.startswith('sirf.cli.') or m == 'httpx'))"
    )
    out = _python(code)
    help_text, loaded = out.split("LOADED")
    for name, entry in COMMANDS.items():
        assert f"  {name}" in help_text
        assert entry.help in help_text
    for section in ("Incidents:", "Roles:", "Tasks and teams:", "Operator:", "Exit codes:"):
        assert section in help_text
    assert loaded.strip() == "['sirf.cli.client', 'sirf.cli.errors', 'sirf.cli.main', 'sirf.cli.session']"


def test_a_command_imports_only_its_own_module() -> None:
    code = (
        "import sys\n"
        "from sirf.cli.main import cli\n"
        "cli.main(['list', '--help'], prog_name='sirf', standalone_mode=False)\n"
        "print('LOADED', sorted(m for m in sys.modules if m.startswith('sirf.cli.') or m == 'httpx'))"
    )
    loaded = _python(code).split("LOADED")[1]
    assert "sirf.cli.incidents" in loaded
    assert "sirf.cli.roles" not in loaded
    assert "sirf.cli.admin" not in loaded
    assert "httpx" not in loaded


def _help_of(path: list[str]) -> str:
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    return result.stdout


def _assert_opens_with_examples(help_text: str) -> None:
    description = help_text.split("\n\n", 1)[1].splitlines()
    assert description[0].strip() == "Examples:", help_text
    assert description[1].strip().startswith("sirf "), help_text


def _every_command_path() -> list[list[str]]:
    paths: list[list[str]] = [[]]
    for name in OWN_COMMANDS:
        paths.append([name])
        command = load_command(name, COMMANDS[name])
        if isinstance(command, click.Group):
            paths.extend([name, sub] for sub in command.commands)
    return paths


@pytest.mark.parametrize("path", _every_command_path(), ids=lambda p: " ".join(p) or "sirf")
def test_help_opens_with_examples(path: list[str]) -> None:
    _assert_opens_with_examples(_help_of(path))


@pytest.mark.parametrize("name", OWN_COMMANDS)
def test_every_command_takes_json(name: str) -> None:
    command = load_command(name, COMMANDS[name])
    leaves = list(command.commands.values()) if isinstance(command, click.Group) else [command]
    for leaf in leaves:
        assert "--json" in [opt for param in leaf.params for opt in param.opts], leaf.name


def test_the_lazy_table_help_matches_each_command() -> None:
    for name in OWN_COMMANDS:
        assert load_command(name, COMMANDS[name]).short_help == COMMANDS[name].help


def test_exit_codes_are_documented_in_help_and_module_docstring() -> None:
    help_text = _help_of([])
    for code in errors.ExitCode:
        assert f"  {code.value}  " in help_text
        assert f"    {code.value}     " in (errors.__doc__ or "")


def test_a_command_that_cannot_be_imported_fails_alone_with_a_clear_message() -> None:
    table = {
        "ghost": LazyCommand("sirf.cli.no_such_module:ghost", "Haunt the house.", "Operator"),
        "whoami": COMMANDS["whoami"],
    }
    group = LazyGroup(name="sirf", lazy_commands=table)
    runner = CliRunner()
    listed = runner.invoke(group, ["--help"])
    assert "ghost" in listed.stdout
    assert "Haunt the house." in listed.stdout
    failed = runner.invoke(group, ["ghost", "--force", "anything"])
    assert failed.exit_code == 1
    assert failed.stderr.startswith("error: `sirf ghost` is not available")
    assert "sirf.cli.no_such_module" in failed.stderr
    assert isinstance(group.get_command(click.Context(group), "whoami"), click.Command)


def test_a_missing_attribute_is_reported_the_same_way() -> None:
    command = load_command("nothing", LazyCommand("sirf.cli.output:no_such_command", "Nothing.", "Operator"))
    result = CliRunner().invoke(command, [])
    assert result.exit_code == 1
    assert "no_such_command" in result.stderr


def test_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.stdout


def test_unknown_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["frobnicate"])
    assert result.exit_code == 2
