"""``fupin user-create USERNAME --name NAME --role ROLE --area CODE [--department CODE] [--phone P]
[--valid-from DATE] [--password-stdin]``: a new account with its first role.

The password is read from standard input with ``--password-stdin``, else a temporary one is generated and
printed; either way it must be changed at the first sign-in. Exit status: 0 created, 1 refused (nothing
changed), 2 wrong usage.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from fupin.accounts import cli
from fupin.accounts.user_services import user_register


class Command(BaseCommand):
    help = "Create an account with its first role; it must change its password at the first sign-in."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", metavar="USERNAME")
        parser.add_argument("--name", required=True, help="the person's name")
        parser.add_argument("--phone", default="")
        cli.role_arguments(parser)
        parser.add_argument("--valid-from", type=cli.day, metavar="YYYY-MM-DD", help="first day of the role (today)")
        parser.add_argument("--password-stdin", action="store_true", help="read the password from standard input")

    def handle(self, *args: Any, **options: Any) -> None:
        password = cli.password_from_stdin() if options["password_stdin"] else None
        role, area = cli.role_named(options["role"]), cli.area_coded(options["area"])
        department = cli.department_coded(options["department"])
        user, chosen = cli.run(lambda: user_register(
            username=options["username"], name=options["name"], phone=options["phone"], role=role, area=area,
            department=department, valid_from=options["valid_from"], password=password, actor=None))
        self.stdout.write(f"已创建账号 {user.username} / created the account {user.username}")
        if password is None:
            self.stdout.write(f"临时密码（首次登录须修改） / temporary password (change at first sign-in): {chosen}")
