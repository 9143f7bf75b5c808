"""``fupin user-deactivate USERNAME [--reactivate]``: stop an account (it cannot sign in, its tokens stop working,
its sessions end) or let it work again. Exit status: 0 done, 1 refused (nothing changed), 2 wrong usage.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from fupin.accounts import cli
from fupin.accounts.user_services import user_deactivate, user_reactivate


class Command(BaseCommand):
    help = "Deactivate an account (the last active district administrator excepted), or --reactivate it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", metavar="USERNAME")
        parser.add_argument("--reactivate", action="store_true", help="let the account work again")

    def handle(self, *args: Any, **options: Any) -> None:
        user = cli.user_named(options["username"])
        if options["reactivate"]:
            cli.run(lambda: user_reactivate(user, actor=None))
            self.stdout.write(f"已恢复账号 {user.username} / reactivated {user.username}")
        else:
            cli.run(lambda: user_deactivate(user, actor=None))
            self.stdout.write(f"已停用账号 {user.username} / deactivated {user.username}")
