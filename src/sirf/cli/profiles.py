"""CLI profiles: which server to talk to and with which token.

Stored as JSON at ``$SIRF_CONFIG_HOME/profiles.json`` (default ``$XDG_CONFIG_HOME/sirf`` or
``~/.config/sirf``), readable by its owner only because it holds API tokens:

    {"default": "local",
     "profiles": {"local": {"server": "http://127.0.0.1:8000", "token": "sirf_..."}}}
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Profile:
    name: str
    server: str
    token: str | None


def config_home(environ: Mapping[str, str] = os.environ) -> Path:
    if environ.get("SIRF_CONFIG_HOME"):
        return Path(environ["SIRF_CONFIG_HOME"])
    base = environ.get("XDG_CONFIG_HOME") or str(Path(environ.get("HOME", "~")).expanduser() / ".config")
    return Path(base) / "sirf"


def profiles_path(environ: Mapping[str, str] = os.environ) -> Path:
    return config_home(environ) / "profiles.json"


def _read(path: Path) -> dict[str, object]:
    if not path.exists():
        return {"default": None, "profiles": {}}
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("profiles"), dict):
        raise ValueError(f"{path} is not a sirf profiles file; move it aside and run `sirf server` again")
    return data


def load_profile(name: str | None = None, environ: Mapping[str, str] = os.environ) -> Profile | None:
    data = _read(profiles_path(environ))
    profiles = data["profiles"]
    assert isinstance(profiles, dict)
    chosen = name or data.get("default")
    if not isinstance(chosen, str) or chosen not in profiles:
        return None
    entry = profiles[chosen]
    return Profile(chosen, str(entry["server"]), entry.get("token"))


def save_profile(profile: Profile, *, make_default: bool, environ: Mapping[str, str] = os.environ) -> Path:
    path = profiles_path(environ)
    data = _read(path)
    profiles = data["profiles"]
    assert isinstance(profiles, dict)
    profiles[profile.name] = {"server": profile.server, "token": profile.token}
    if make_default or not data.get("default"):
        data["default"] = profile.name
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2)
    tmp.replace(path)
    return path
