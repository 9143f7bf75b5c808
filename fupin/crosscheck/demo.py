"""Synthetic department lists for the demo county (``fupin seed-demo``), loaded through the real loader
and cross-checked, so a newcomer sees every kind of finding, a worked queue and the trends.

Deterministic for a seed; the lists are written as CSV files in a temporary folder and loaded like any
upload (file names start with ``DEMO-``; running seed-demo again replaces them).
"""

from __future__ import annotations

import random
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.utils import timezone

from fupin.accounts.models import Department, User
from fupin.core import idnumber
from fupin.core.output import csv_write
from fupin.crosscheck.datasets import SHEETS
from fupin.crosscheck.loading import list_load
from fupin.crosscheck.models import Finding, ListLoad
from fupin.crosscheck.services import crosscheck_run, finding_close, finding_verify
from fupin.registry.models import Member

DEMO_FILE_PREFIX = "DEMO-"
DEPARTMENT_OF = {"DEATHS": "public-security", "PUBLIC_EMPLOYEES": "finance", "VEHICLES": "public-security",
                 "PROPERTIES": "housing", "BUSINESSES": "commerce", "MEDICAL_INSURANCE": "medical-insurance",
                 "STUDENTS": "education", "DIBAO": "civil-affairs", "MEDICAL_EXPENSES": "medical-insurance",
                 "DISASTER": "emergency"}


def _outsider(rng: random.Random, used: set[str]) -> str:
    while True:
        birth = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 20000))
        first17 = f"411103{birth:%Y%m%d}{rng.randrange(0, 1000):03d}"
        value = first17 + idnumber.check_character(first17)
        if value not in used:
            used.add(value)
            return value


def seed_demo_crosscheck(year: int, *, seed: int, actor: User | None) -> int:
    """Load the ten lists for ``year``, run the cross-check, work a few findings; returns findings raised."""
    rng = random.Random(seed + 55)
    Finding.objects.filter(load__file_name__startswith=DEMO_FILE_PREFIX).delete()
    ListLoad.objects.filter(file_name__startswith=DEMO_FILE_PREFIX).delete()
    people = list(Member.objects.filter(household__is_demo=True).exclude(household__status="removed")
                  .order_by("pk").values_list("id_number", "name", "birth_date", "home_schooling",
                                              "household__status", "household__attribute", "relation"))
    if not people:
        return 0
    used = {p[0] for p in people}
    as_of = date(year, 12, 31)

    def age(birth: date) -> int:
        return as_of.year - birth.year - ((birth.month, birth.day) > (as_of.month, as_of.day))

    def pick(n: int, condition: Any = None) -> list[tuple[Any, ...]]:
        pool = [p for p in people if condition is None or condition(p)]
        return rng.sample(pool, min(n, len(pool)))

    elderly = pick(4, lambda p: age(p[2]) >= 75)
    adults = pick(24, lambda p: 25 <= age(p[2]) <= 60)
    in_year = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    lists: dict[str, list[list[Any]]] = {
        "DEATHS": [[p[0], p[1], in_year] for p in elderly[:3]] + [[elderly[3][0], elderly[3][1], f"{year + 1}-02-01"]]
        if len(elderly) == 4 else [],
        "PUBLIC_EMPLOYEES": [[p[0], p[1], "区某事业单位"] for p in adults[0:2]]
        + [[_outsider(rng, used), "外单位人员", "区财政局"] for _ in range(5)],
        "VEHICLES": [[adults[2][0], adults[2][1], "豫L8A123", "30000"], [adults[3][0], adults[3][1], "豫L6B456", "86500.00"],
                     [adults[4][0], adults[4][1], "豫L2C789", "29999.99"]],
        "PROPERTIES": [[p[0], p[1], "漯河市源汇区某小区", "96.50"] for p in adults[5:7]],
        "BUSINESSES": [[adults[7][0], adults[7][1], "某某农产品有限公司", "存续"],
                       [adults[8][0], adults[8][1], "某某商贸部", "注销"]],
        "MEDICAL_INSURANCE": [[p[0], p[1], str(year)] for p in people if rng.random() > 0.01],
        "STUDENTS": [[p[0], p[1], "区实验学校", "七年级"] for p in people
                     if 6 <= age(p[2]) <= 15 and rng.random() > 0.03],
        "DIBAO": [[p[0], p[1], "特困" if p[5] == "tekun_poor" else "低保"] for p in people
                  if p[6] == "head" and p[5] != "general_poor" and p[5] != "ordinary" and rng.random() > 0.05]
        + [[adults[9][0], adults[9][1], "低保"], [_outsider(rng, used), "王某某", "低保"]],
        "MEDICAL_EXPENSES": [[adults[10][0], adults[10][1], str(year), "6200.50"],
                             [adults[11][0], adults[11][1], str(year), "4999.99"]]
        + [[p[0], p[1], str(year), "25000"] for p in pick(2, lambda p: p[4] is None)],
        "DISASTER": [[p[0], p[1], f"{year}-07-2{i}", "12000"] for i, p in enumerate(adults[12:15])],
    }
    # One department typed a name with a different character: NAME_MISMATCH.
    lists["PUBLIC_EMPLOYEES"].append([adults[15][0], adults[15][1][:-1] + "某", "区水利局"])
    with tempfile.TemporaryDirectory() as folder:
        for dataset, rows in lists.items():
            path = Path(folder) / f"{DEMO_FILE_PREFIX}{dataset.lower()}.csv"
            with path.open("w", encoding="utf-8-sig", newline="") as fh:
                csv_write(fh, [c.header for c in SHEETS[dataset].columns], rows)
            result = list_load(dataset, path, actor=None)
            department = Department.objects.filter(code=DEPARTMENT_OF[dataset]).first()
            if result.load_id is not None and department is not None:
                ListLoad.objects.filter(pk=result.load_id).update(department=department)
    run = crosscheck_run(year)
    _work_some(run.pk, rng, actor)
    return run.raised


def _work_some(run_id: int, rng: random.Random, actor: User | None) -> None:
    """A queue with history for the demo: some findings raised months ago, verified on site, some closed,
    moved through the queue's own steps at moments in the past (the demo's synthetic history)."""
    now = timezone.now()
    findings = list(Finding.objects.filter(run_id=run_id, household__isnull=False).order_by("pk")
                    .values_list("pk", flat=True))
    worked = rng.sample(findings, min(12, len(findings)))
    for i, pk in enumerate(worked):
        raised = now - timedelta(days=rng.randint(20, 150))
        verified = raised + timedelta(days=rng.randint(1, 5))
        Finding.objects.filter(pk=pk).update(raised_at=raised)
        finding = finding_verify(Finding.objects.get(pk=pk), actor=actor, at=verified,
                                 note="入户核实：情况与部门数据一致" if i % 3 else "入户核实：部门数据有误")
        if i % 4 != 3:  # every fourth stays verified, awaiting its disposition
            finding_close(finding, actor=actor, at=min(now, raised + timedelta(days=rng.randint(6, 40))),
                          disposition=Finding.Disposition.CONFIRMED if i % 3 else Finding.Disposition.NOT_CONFIRMED,
                          note="已按规定整改" if i % 3 else "经核实不属实，已向部门反馈")
