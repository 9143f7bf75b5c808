"""One scope per model: ``Model.objects.visible_to(user)`` is the whole visibility rule.

Two checks keep it that way:

- no page, API or public module filters by the user's areas by hand: every read of a scoped model goes
  through ``visible_to`` or ``get_visible_or_404`` (a static check over the source, shown to fail on a
  planted example of each pattern it knows);
- a model whose rows are seen through a parent with a rule of its own (a ticket's steps) declares
  ``scope_through``, so it cannot silently fall back to the plain area rule.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.apps import apps
from django.db.models import Model

from fupin.areas.scoping import ScopedQuerySet

PACKAGE = Path(__file__).resolve().parents[2]
PATTERNS = ("views.py", "api.py", "*_views.py", "*_api.py", "public.py")

# What a view may take from the scoping module: the 404 helper (and the queryset type, for annotations).
SCOPING_MODULE = "fupin.areas.scoping"
SCOPING_ALLOWED = {"get_visible_or_404", "ScopedQuerySet"}
# Entry points that once computed visibility beside ``visible_to`` (or still compute a user's areas).
FORBIDDEN_NAMES = {"ticket_q", "ticket_visible", "get_ticket_for_user", "scope_of", "scope_filter", "visibility_of"}
# The user's areas as data: reading them in a view means filtering by them.
USER_AREA_ATTRIBUTES = {"area_scope", "sees_county_wide"}
ASSIGNMENT_ATTRIBUTES = {"assignments", "active_assignments"}
PATH_LOOKUPS = ("path__startswith", "path__istartswith", "path__in", "path__contains")
QUERY_METHODS = {"filter", "exclude", "get", "Q", "annotate", "aggregate"}


def view_modules() -> list[Path]:
    found: set[Path] = set()
    for app in PACKAGE.iterdir():
        if app.is_dir() and (app / "__init__.py").exists():
            for pattern in PATTERNS:
                found.update(app.glob(pattern))
    return sorted(found)


def _callee(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _mentions_user(node: ast.AST) -> bool:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and sub.id == "user":
            return True
        if isinstance(sub, ast.Attribute) and sub.attr == "user":
            return True
    return False


def hand_filters(source: str) -> list[str]:
    """The places in ``source`` that filter visibility by hand, as ``"line: what"``."""
    tree = ast.parse(source)
    problems: list[str] = []

    def flag(node: ast.AST, what: str) -> None:
        problems.append(f"{getattr(node, 'lineno', 0)}: {what}")

    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == SCOPING_MODULE:
            for alias in node.names:
                if alias.name not in SCOPING_ALLOWED:
                    flag(node, f"imports {alias.name} from {SCOPING_MODULE} (use visible_to)")
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name in FORBIDDEN_NAMES:
                    flag(node, f"imports {alias.name} (use visible_to)")
        elif isinstance(node, ast.Name) and node.id in FORBIDDEN_NAMES:
            flag(node, f"uses {node.id} (use visible_to)")
        elif isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_NAMES:
            flag(node, f"uses {node.attr} (use visible_to)")
        elif isinstance(node, ast.Attribute) and node.attr in USER_AREA_ATTRIBUTES:
            flag(node, f"reads the user's {node.attr} (use visible_to)")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and any(
                lookup in node.value for lookup in PATH_LOOKUPS):
            flag(node, f"filters by an area path ({node.value!r}; use visible_to)")
        elif isinstance(node, ast.Call) and _callee(node) in QUERY_METHODS:
            for keyword in node.keywords:
                if keyword.arg and any(lookup in keyword.arg for lookup in PATH_LOOKUPS):
                    flag(node, f"filters by an area path ({keyword.arg}; use visible_to)")
                if keyword.arg and keyword.arg.endswith("__in") and any(
                        isinstance(sub, ast.Call) and _callee(sub) == "visible_to" for sub in ast.walk(keyword.value)):
                    flag(node, f"scopes through another model ({keyword.arg}=...visible_to; declare scope_through "
                               "and use this model's visible_to)")
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                for sub in ast.walk(arg):
                    if isinstance(sub, ast.Attribute) and sub.attr in ASSIGNMENT_ATTRIBUTES:
                        flag(node, f"filters by the user's {sub.attr} (use visible_to)")
                    elif (isinstance(sub, ast.Call) and _callee(sub) not in {"Q", "visible_to"}
                          and _callee(node) in {"filter", "exclude"} and sub is arg
                          and any(_mentions_user(a) for a in [*sub.args, *(k.value for k in sub.keywords)])):
                        flag(node, f"filters by a condition built from the user ({_callee(sub)}; use visible_to)")
    return problems


PLANTED = {
    "a helper from the scoping module": """
from fupin.areas.scoping import scope_of
def rows(request):
    return Household.objects.filter(village__path__startswith=scope_of(request.user).paths[0])
""",
    "the old ticket rule": """
from fupin.hotline.access import ticket_q
def rows(request):
    return Ticket.objects.filter(ticket_q(request.user))
""",
    "an area path lookup": """
def rows(request, area):
    return Household.objects.filter(village__path__startswith=area.path)
""",
    "an area path lookup in a Q built from a dict": """
def rows(request, area):
    return Household.objects.filter(Q(**{"village__path__startswith": area.path}))
""",
    "the user's area scope": """
def rows(request):
    paths = request.user.area_scope.paths
    return Household.objects.filter(village__path__in=paths)
""",
    "areas taken from the user's assignments": """
def rows(request):
    return Household.objects.filter(village__in=[a.area for a in request.user.active_assignments])
""",
    "a condition built from the user": """
def rows(request):
    return Ticket.objects.filter(my_rule(request.user))
""",
    "another model's visible_to": """
def rows(request):
    return TicketAttachment.objects.filter(ticket__in=Ticket.objects.visible_to(request.user))
""",
}


@pytest.mark.parametrize("source", PLANTED.values(), ids=PLANTED.keys())
def test_the_check_finds_a_planted_hand_filter(source):
    assert hand_filters(source)


def test_the_check_lets_visible_to_and_ordinary_filters_pass():
    source = """
from fupin.areas.scoping import get_visible_or_404
def rows(request, pk):
    qs = Household.objects.visible_to(request.user).filter(status="registered", village_id=3)
    mine = Ticket.objects.visible_to(request.user).filter(Q(entered_by=request.user))
    return get_visible_or_404(qs, request.user, pk=pk), mine
"""
    assert hand_filters(source) == []


def test_the_check_reads_every_view_and_api_module():
    names = {str(p.relative_to(PACKAGE)) for p in view_modules()}
    assert {"hotline/views.py", "hotline/api.py", "hotline/public.py", "registry/views.py", "registry/helper_api.py",
            "measures/credit_views.py", "projects/public.py"} <= names


@pytest.mark.parametrize("path", view_modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_view_or_api_filters_visibility_by_hand(path):
    assert hand_filters(path.read_text(encoding="utf-8")) == []


def _custom_rule(model: type[Model]) -> bool:
    """The model's queryset overrides :meth:`ScopedQuerySet.visibility` (compared on the class dictionaries:
    a classmethod is a new bound object on every access)."""
    queryset = model._default_manager.all()
    if not isinstance(queryset, ScopedQuerySet):
        return False
    owner = next(c for c in type(queryset).__mro__ if "visibility" in vars(c))
    return owner is not ScopedQuerySet


def test_a_model_scoped_through_a_parent_with_its_own_rule_declares_scope_through():
    """A ticket's steps live where the ticket lives, but are seen only by who sees the ticket."""
    checked = []
    for model in apps.get_models():
        lookup = getattr(model, "area_scope", None)
        if not isinstance(lookup, str) or not lookup or "__" not in lookup:
            continue
        first = model._meta.get_field(lookup.split("__")[0])
        parent = first.related_model
        if isinstance(parent, type) and _custom_rule(parent):
            checked.append(model.__name__)
            assert getattr(model, "scope_through", None) == first.name, model.__name__
    assert {"TicketStep", "TicketNotification", "TicketAttachment"} <= set(checked)
