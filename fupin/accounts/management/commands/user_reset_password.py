"""``fupin user-reset-password USERNAME [--password-stdin]``: a new password (from standard input, or a temporary
one printed), to be changed at the next sign-in; the account's sessions end. Exit status: 0 done, 1 refused
(nothing changed), 2 wrong usage.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from fupin.accounts import cli
from fupin.accounts.user_services import password_reset


class Command(BaseCommand):
    help = "Reset a user's password; the user must change it at the next sign-in."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", metavar="USERNAME")
        parser.add_argument("--password-stdin", action="store_true", help="read the password from standard input")

    def handle(self, *args: Any, **options: Any) -> None:
        user = cli.user_named(options["username"])
        password = cli.password_from_stdin() if options["password_stdin"] else None
        chosen = cli.run(lambda: password_reset(user, actor=None, password=password))
        self.stdout.write(f"已重置 {user.username} 的密码 / reset the password of {user.username}")
        if password is None:
            self.stdout.write(f"临时密码（下次登录须修改） / temporary password (change at next sign-in): {chosen}")
