"""Typed environment helpers (after healthchecks): refuse what they cannot read."""

from __future__ import annotations

import builtins
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_MISSING = object()


class Env:
    """Reads settings from the process environment, then from an optional ``.env`` file."""

    def __init__(self, dotenv: Path) -> None:
        self._env = environ.Env()
        if dotenv.is_file():
            environ.Env.read_env(str(dotenv), overwrite=False)

    def str(self, name: builtins.str, *, default: Any = _MISSING) -> builtins.str:
        value = os.environ.get(name)
        if value is None:
            if default is _MISSING:
                raise ImproperlyConfigured(f"environment variable {name} is required")
            return str(default)
        return value

    def secret(self, name: builtins.str, *, default: Any = _MISSING) -> builtins.str:
        """A secret may also come from a file named by ``NAME_FILE`` (container secrets)."""
        path = os.environ.get(f"{name}_FILE")
        if path:
            return Path(path).read_text(encoding="utf-8").strip()
        return self.str(name, default=default)

    def bool(self, name: builtins.str, *, default: bool) -> bool:
        raw = os.environ.get(name)
        if raw is None:
            return default
        lowered = raw.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no)")

    def int(self, name: builtins.str, *, default: int) -> int:
        raw = os.environ.get(name)
        if raw is None:
            return default
        try:
            return int(raw)
        except ValueError as exc:
            raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from exc

    def octal(self, name: builtins.str, *, default: builtins.int, maximum: builtins.int = 0o777) -> builtins.int:
        """An octal number such as a umask: ``077``, ``0077`` or ``0o077``."""
        raw = os.environ.get(name)
        if raw is None:
            return default
        digits = raw.strip().lower().removeprefix("0o")
        try:
            value = int(digits, 8)
        except ValueError:
            value = -1
        if not 0 <= value <= maximum:
            raise ImproperlyConfigured(f"{name}={raw!r} is not an octal number from 0 to {maximum:o} (such as 077)")
        return value

    def list(self, name: builtins.str, *, default: Sequence[builtins.str]) -> list[builtins.str]:
        raw = os.environ.get(name)
        if raw is None:
            return list(default)
        return [item.strip() for item in raw.split(",") if item.strip()]

    def choice(self, name: builtins.str, choices: Sequence[builtins.str], *, default: builtins.str) -> builtins.str:
        value = self.str(name, default=default)
        if value not in choices:
            raise ImproperlyConfigured(f"{name}={value!r} must be one of {', '.join(choices)}")
        return value

    def database(self, name: builtins.str, *, default: builtins.str) -> dict[builtins.str, Any]:
        url = self.str(name, default=default)
        config: dict[builtins.str, Any] = dict(self._env.db_url_config(url))
        return config

    def cache(self, name: builtins.str, *, default: builtins.str) -> dict[builtins.str, Any]:
        url = self.str(name, default=default)
        config: dict[builtins.str, Any] = dict(self._env.cache_url_config(url))
        return config
