"""``fupin user-assign USERNAME --role ROLE --area CODE [--department CODE] [--valid-from DATE]`` gives a role;
with ``--end [--last-day DATE]`` it ends that role instead (it stays as history). Exit status: 0 done, 1 refused
(nothing changed), 2 wrong usage.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fupin.accounts import cli
from fupin.accounts.access import open_assignments
from fupin.accounts.roles import Role
from fupin.accounts.user_services import assignment_create, assignment_end

NOT_HELD = "该用户没有这一角色（或已结束） / the user does not hold this role there (or it has ended)"


class Command(BaseCommand):
    help = "Give a user a role in a division (a department officer: for a department), or end it with --end."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", metavar="USERNAME")
        cli.role_arguments(parser)
        parser.add_argument("--valid-from", type=cli.day, metavar="YYYY-MM-DD", help="first day of the role (today)")
        parser.add_argument("--end", action="store_true", help="end the role instead of giving it")
        parser.add_argument("--last-day", type=cli.day, metavar="YYYY-MM-DD", help="with --end: its last day "
                            "(yesterday: it ends now)")

    def handle(self, *args: Any, **options: Any) -> None:
        user = cli.user_named(options["username"])
        role, area = cli.role_named(options["role"]), cli.area_coded(options["area"])
        department = cli.department_coded(options["department"])
        label = f"{area.name} {Role(role).label}"
        if options["end"]:
            held = user.assignments.filter(open_assignments(), role=role, area=area, department=department).first()
            if held is None:
                raise CommandError(NOT_HELD, returncode=1)
            cli.run(lambda: assignment_end(held, actor=None, last_day=options["last_day"]))
            self.stdout.write(f"已结束 {user.username} 的角色 {label} / ended the role of {user.username}")
            return
        cli.run(lambda: assignment_create(user=user, role=role, area=area, department=department,
                                          valid_from=options["valid_from"], actor=None))
        self.stdout.write(f"已为 {user.username} 分配角色 {label} / gave {user.username} the role")
