"""FUPIN_MFA as an installation sets it, read by a fresh ``manage.py`` process (see site/tests/test_settings.py):
required in production, optional in development (the demo logins), and nothing else accepted."""

from __future__ import annotations

import secrets

import pytest

from fupin.site.tests.test_settings import manage, production

pytestmark = [pytest.mark.xdist_group("cli"), pytest.mark.engine_independent]
SHOW = "from django.conf import settings as s; print(s.FUPIN_MFA, s.AXES_LOCKOUT_PARAMETERS)"


def shown(tmp_path, **env: str) -> str:
    result = manage(tmp_path, "shell", "--no-imports", "-c", SHOW, **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_production_requires_the_second_factor_and_development_offers_it(tmp_path):
    key_file = str(tmp_path / "keys.json")
    assert shown(tmp_path, **production(SECRET_KEY=secrets.token_urlsafe(60), FUPIN_KEY_FILE=key_file)) == \
        "required [['username', 'ip_address'], 'ip_address']"
    assert shown(tmp_path).startswith("optional ")
    assert shown(tmp_path, FUPIN_MFA="all").startswith("all ")


def test_it_refuses_an_unknown_mode(tmp_path):
    result = manage(tmp_path, "check", FUPIN_MFA="sometimes")
    assert result.returncode != 0
    assert "FUPIN_MFA='sometimes' must be one of required, all, optional" in result.stderr
