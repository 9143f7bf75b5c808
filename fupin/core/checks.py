"""System checks of the installation's secrets (``manage.py check --deploy``)."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def key_file_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """The key file exists, only its owner reads it, and it lies outside the uploaded files' folder."""
    path = Path(settings.FUPIN_KEY_FILE)
    if not path.exists():
        return [Error(f"the key file {path} does not exist", hint="create it with `fupin key-create`",
                      id="fupin.E001")]
    problems: list[CheckMessage] = []
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        problems.append(Warning(f"the key file {path} is readable by others", hint=f"chmod 600 {path}",
                                id="fupin.W001"))
    if path.resolve().is_relative_to(Path(settings.MEDIA_ROOT).resolve()):
        problems.append(Error(f"the key file {path} lies inside MEDIA_ROOT, with the uploads",
                              hint="keep keys apart from data and back them up separately", id="fupin.E002"))
    return problems
