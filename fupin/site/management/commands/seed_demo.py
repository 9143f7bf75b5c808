from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from fupin.core.progress import progress_bar
from fupin.site.demo import DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Add a deterministic synthetic demo county (fake households and one demo user per role)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--households", type=int, default=3000)
        parser.add_argument("--seed", type=int, default=2018)

    def handle(self, *args: Any, **options: Any) -> None:
        total = options["households"]
        with progress_bar(total, "生成演示数据", unit="户") as bar:
            result = seed_demo(households=total, seed=options["seed"], progress=lambda n: bar.update(n - bar.n))
            bar.update(total - bar.n)
        self.stdout.write(f"演示数据：{result.households} 户，{result.members} 人，{result.incomes} 条收支 / demo: "
                          f"{result.households} households, {result.members} members, {result.incomes} income rows")
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）/ demo logins (password {DEMO_PASSWORD}):")
        for username, role, area in result.users:
            self.stdout.write(f"  {username:16} {role} · {area}")
