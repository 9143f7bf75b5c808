"""What the ``fupin user-*`` commands share: finding a user, a role, a division and a department by what an
operator types, and turning a refusal into exit status 1 with its bilingual message (nothing changed).

The commands act as the system (``actor=None``): the operator of the installation, bound by the rules of the
data (levels, departments, the last district administrator) but not by a manager's scope or rank (ADR 0022).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import TypeVar

from django.core.management.base import CommandError, CommandParser
from django.utils import translation

from fupin.accounts import selectors
from fupin.accounts.models import Department, User
from fupin.accounts.roles import Role
from fupin.areas.models import Area
from fupin.core.errors import DomainError

T = TypeVar("T")

NO_USER = "没有用户名为 {username} 的账号 / no account has the username {username}"
NO_ROLE = "没有角色 {role}；可用：{roles} / no role {role}; use one of: {roles}"
NO_AREA = "没有代码为 {code} 的现行区划 / no division in use has the code {code}"
NO_DEPARTMENT = "没有代码为 {code} 的部门 / no department has the code {code}"
STDIN_EMPTY = "标准输入中没有密码 / no password on standard input"


def refused(exc: DomainError) -> CommandError:
    return CommandError(exc.message, returncode=1)


@contextmanager
def refusals() -> Iterator[None]:
    """A refusal of the services (or a 404 of an unknown row) ends the command with status 1."""
    try:
        yield
    except DomainError as exc:
        raise refused(exc) from exc


def run(action: Callable[[], T]) -> T:
    with refusals():
        return action()


def user_named(username: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        raise CommandError(NO_USER.format(username=username), returncode=1)
    return user


def role_named(text: str) -> str:
    """A role by its code (``township_officer``) or its Chinese name (乡镇干部)."""
    with translation.override("zh-hans"):
        by_label = {str(label): value for value, label in Role.choices}
    role = text if text in Role.values else by_label.get(text)
    if role is None:
        raise CommandError(NO_ROLE.format(role=text, roles=", ".join(Role.values)), returncode=1)
    return role


def area_coded(code: str) -> Area:
    area = selectors.area_by_code(code)
    if area is None:
        raise CommandError(NO_AREA.format(code=code), returncode=1)
    return area


def department_coded(code: str | None) -> Department | None:
    if not code:
        return None
    department = selectors.departments().filter(code=code).first()
    if department is None:
        raise CommandError(NO_DEPARTMENT.format(code=code), returncode=1)
    return department


def day(text: str) -> date:
    """An argparse type: YYYY-MM-DD."""
    return date.fromisoformat(text)


def role_arguments(parser: CommandParser) -> None:
    parser.add_argument("--role", required=True, help="role code or Chinese name, e.g. township_officer or 乡镇干部")
    parser.add_argument("--area", required=True, metavar="CODE", help="the 12-digit division code")
    parser.add_argument("--department", metavar="CODE", help="a department officer's department code")


def password_from_stdin() -> str:
    line = sys.stdin.readline().rstrip("\n")
    if not line:
        raise CommandError(STDIN_EMPTY, returncode=1)
    return line
