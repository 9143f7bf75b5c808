from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from fupin.areas.models import Area
from fupin.areas.scoping import get_visible_or_404
from fupin.core.api_types import Id, Text

router = Router(tags=["areas"])


class AreaOut(Schema):
    id: int
    code: str
    name: str
    level: str
    parent_id: int | None
    valid_from: str
    valid_to: str | None

    @staticmethod
    def of(area: Area) -> AreaOut:
        return AreaOut(id=area.pk, code=area.code, name=area.name, level=area.level, parent_id=area.parent_id,
                       valid_from=area.valid_from.isoformat(),
                       valid_to=area.valid_to.isoformat() if area.valid_to else None)


@router.get("/", response=list[AreaOut])
def area_list(request: HttpRequest, level: Text | None = None, current: bool = True) -> list[AreaOut]:
    qs = Area.objects.visible_to(request.user)
    if level:
        qs = qs.filter(level=level)
    if current:
        qs = qs.filter(valid_to__isnull=True)
    return [AreaOut.of(a) for a in qs.order_by("code")[:5000]]


@router.get("/{area_id}", response=AreaOut)
def area_detail(request: HttpRequest, area_id: Id) -> AreaOut:
    return AreaOut.of(get_visible_or_404(Area.objects.all(), request.user, pk=area_id))
