from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fupin.accounts.mfa import second_factor_reset
from fupin.accounts.models import User


class Command(BaseCommand):
    help = ("Remove a user's second factor (authenticator app and recovery codes), e.g. after a lost phone: they "
            "set up a new one at their next sign-in. Audited.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"]
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"没有用户名为 {username} 的用户 / no user named {username}")
        removed = second_factor_reset(user, actor=None)
        if removed:
            self.stdout.write(f"已重置 {username} 的第二重验证（删除 {removed} 个设备），下次登录时需重新设置 / "
                              f"second factor of {username} reset ({removed} devices removed): set up again at next "
                              "sign-in")
        else:
            self.stdout.write(f"{username} 未设置第二重验证，无需重置 / {username} has no second factor: nothing to reset")
