"""ASGI entry for multi-process servers (``uvicorn sirf.api.asgi:app``): built from the environment."""

from __future__ import annotations

import os

from sirf.api.app import create_app
from sirf.bootstrap import build
from sirf.config import Settings

app = create_app(build(Settings.from_env(os.environ)))
