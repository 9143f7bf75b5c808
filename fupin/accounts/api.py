from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

router = Router(tags=["accounts"])


class AssignmentOut(Schema):
    role: str
    role_label: str
    area_code: str
    area_name: str
    department: str | None


class MeOut(Schema):
    username: str
    name: str
    capabilities: list[str]
    assignments: list[AssignmentOut]


@router.get("/me", response=MeOut)
def me(request: HttpRequest) -> MeOut:
    user = request.user
    return MeOut(
        username=user.get_username(),
        name=getattr(user, "name", ""),
        capabilities=sorted(getattr(user, "capabilities", [])),
        assignments=[
            AssignmentOut(role=a.role, role_label=str(a.get_role_display()), area_code=a.area.code,
                          area_name=a.area.name, department=a.department.name if a.department else None)
            for a in getattr(user, "active_assignments", [])
        ],
    )
