"""Policy parameters as YAML, for ``fupin policy-show`` and ``fupin policy-load``.

The file is a list of versions; what ``policy-show`` writes, ``policy-load`` reads back::

    - year: 2019
      region: "411103101000"   # optional: a township or county that sets its own values
      reason: 省定标准调整
      publish: true
      values:
        poverty_line: "3747"
        school_age_max: 15
"""

from __future__ import annotations

from typing import Any

import yaml
from django.db import transaction

from fupin.accounts.models import User
from fupin.areas.models import Area
from fupin.assessment.models import PolicyVersion
from fupin.assessment.services import policy_version_create
from fupin.core.errors import BadInput


def policy_dump(year: int | None = None) -> str:
    """The latest version of every (year, region), as YAML."""
    versions = PolicyVersion.objects.select_related("region").order_by("year", "region__code", "-number")
    if year is not None:
        versions = versions.filter(year=year)
    seen: set[tuple[int, int | None]] = set()
    items: list[dict[str, Any]] = []
    for v in versions:
        if (v.year, v.region_id) in seen:
            continue
        seen.add((v.year, v.region_id))
        item: dict[str, Any] = {"year": v.year}
        if v.region is not None:
            item["region"] = v.region.code
        item |= {"version": v.number, "status": v.status, "reason": v.reason, "values": dict(v.values)}
        items.append(item)
    return yaml.safe_dump(items, allow_unicode=True, sort_keys=False)


@transaction.atomic
def policy_load(text: str, *, actor: User | None) -> list[PolicyVersion]:
    """Create one new version per item; all or nothing, each problem named by item number."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise BadInput(f"YAML 格式错误 / not valid YAML: {exc}", code="POLICY_YAML") from None
    if not isinstance(data, list):
        raise BadInput("文件应为版本列表 / the file must be a list of versions", code="POLICY_YAML")
    created = []
    for number, item in enumerate(data, start=1):
        where = f"第 {number} 项 / item {number}"
        if not isinstance(item, dict) or not isinstance(item.get("year"), int) or not isinstance(item.get("values"), dict):
            raise BadInput(f"{where}：须有整数 year 和 values / needs an integer year and a values mapping",
                           code="POLICY_YAML")
        region = None
        if item.get("region"):
            region = Area.objects.filter(code=str(item["region"]), valid_to__isnull=True).first()
            if region is None:
                raise BadInput(f"{where}：未知区划代码 {item['region']} / unknown division code", code="POLICY_YAML")
        try:
            created.append(policy_version_create(
                year=item["year"], region=region, values=item["values"], actor=actor,
                reason=str(item.get("reason") or ""), publish=item.get("publish", item.get("status") == "published") is True,
            ))
        except BadInput as exc:
            raise BadInput(f"{where}：{exc.message}", code=exc.code, fields=exc.fields) from None
    return created
