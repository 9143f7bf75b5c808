"""API writes: recording a measure for a household and deciding on a suggestion go through the pages'
services: the same capability checks, the same refusals with their codes, and a refused request
changes nothing (no measure, no decision, no audit entry)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from fupin.accounts.services import api_token_create
from fupin.core.models import AuditEntry
from fupin.measures.models import Measure, SuggestionDecision
from fupin.measures.selectors import record_day
from fupin.measures.tests.conftest import add_member

pytestmark = pytest.mark.django_db
YEAR = 2019


@pytest.fixture
def a1(policy, households):
    h = households["a1"]
    h.main_cause = "no_capital"
    h.save()
    return h


def state() -> tuple[Any, ...]:
    return (list(Measure.objects.order_by("pk").values()), list(SuggestionDecision.objects.order_by("pk").values()),
            AuditEntry.objects.count())


def post(client, path: str, body: dict[str, Any], token: str | None = None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post(f"/api/v1/measures/households/{path}", body, content_type="application/json", headers=headers)


def refused(response, status: int, code: str, before: tuple[Any, ...]) -> dict[str, Any]:
    assert (response.status_code, response.json()["code"]) == (status, code), response.content[:300]
    assert state() == before, "a refused request changed data"
    body: dict[str, Any] = response.json()
    return body


def test_a_cadre_records_a_measure_with_a_token(client, personas, a1):
    _, token = api_token_create(user=personas.cadre_a1, name="录入")
    pupil = add_member(a1, "王小", date(2009, 3, 1), schooling="primary")
    r = post(client, f"{a1.pk}/measures", {"programme": "boarding_subsidy", "member": pupil.pk,
                                           "starts_on": "2019-09-02", "amount": "625", "evidence": "学籍证明"}, token)
    assert r.status_code == 201, r.content[:300]
    body = r.json()
    assert (body["programme"], body["member_id"], body["ends_on"], body["amount"], body["status"], body["source"]) == (
        "boarding_subsidy", pupil.pk, "2019-12-31", "625.00", "done", "manual")
    m = Measure.objects.get()
    assert m.department is not None and m.department.code == "education"
    assert (m.pk, m.created_by, m.evidence) == (body["id"], personas.cadre_a1, "学籍证明")
    assert AuditEntry.objects.filter(object_type="measures.measure", object_id=str(m.pk)).exists()


def test_recording_refusals_carry_the_form_s_codes_and_change_nothing(client, personas, a1, households):
    client.force_login(personas.cadre_a1)
    old = add_member(a1, "王大", date(1999, 3, 1), schooling="primary")
    worker = add_member(a1, "王工", date(1980, 3, 1), labour="ordinary")
    stranger = households["a2"].members.first()
    post(client, f"{a1.pk}/measures", {"programme": "public_welfare_post", "member": worker.pk,
                                       "starts_on": "2019-09-01", "amount": "500"})
    before = state()
    cases = [
        ({"programme": "no_such", "starts_on": "2019-09-02"}, "PROGRAMME_UNKNOWN"),
        ({"programme": "boarding_subsidy", "starts_on": "2019-09-02"}, "MEMBER_REQUIRED"),
        ({"programme": "family_doctor", "member": stranger.pk, "starts_on": "2019-09-02"}, "MEMBER_NOT_IN_HOUSEHOLD"),
        ({"programme": "boarding_subsidy", "member": old.pk, "starts_on": "2019-09-02"}, "NOT_ELIGIBLE"),
        ({"programme": "micro_credit", "starts_on": "2019-09-02", "amount": "50000.01"}, "AMOUNT_OVER_LIMIT"),
        ({"programme": "public_welfare_post", "member": worker.pk, "starts_on": "2019-09-15", "amount": "100"},
         "PERIOD_OVERLAP"),
        ({"programme": "public_welfare_post", "member": worker.pk, "starts_on": "2019-10-01",
          "ends_on": "2019-11-30"}, "PERIOD_SPANS"),
        ({"programme": "micro_credit", "starts_on": "2019-09-02", "ends_on": "2019-09-01"}, "DATES_ORDER"),
    ]
    for body, code in cases:
        refused(post(client, f"{a1.pk}/measures", body), 422, code, before)
    # Shapes the form refuses are refused before the services: a status the form does not offer, a negative amount.
    for body in ({"programme": "micro_credit", "starts_on": "2019-09-02", "status": "cancelled"},
                 {"programme": "micro_credit", "starts_on": "2019-09-02", "amount": "-1"},
                 {"programme": "micro_credit"}):
        refused(post(client, f"{a1.pk}/measures", body), 422, "INVALID", before)
    message = post(client, f"{a1.pk}/measures", {"programme": "micro_credit", "starts_on": "2019-09-02",
                                                 "amount": "60000"}).json()["message"]
    assert "超过政策上限" in message and "exceeds the policy limit" in message


def test_who_may_write_is_the_pages_rule(client, personas, a1, households):
    body = {"programme": "industry_linkage", "starts_on": "2019-03-01"}
    client.force_login(personas.auditor)  # reads measures, may not record them (signing in is audited: before)
    before = state()
    refused(post(client, f"{a1.pk}/measures", body), 403, "FORBIDDEN", before)
    refused(post(client, f"{a1.pk}/suggestions", {"programme": "micro_credit", "decision": "dismiss",
                                                  "reason": "无意愿"}), 403, "FORBIDDEN", before)
    client.force_login(personas.cadre_a1)  # another village's household is not found
    before = state()
    refused(post(client, f"{households['b1'].pk}/measures", body), 404, "NOT_FOUND", before)
    client.logout()
    before = state()
    refused(post(client, f"{a1.pk}/measures", body), 401, "UNAUTHENTICATED", before)


def test_accepting_records_the_measure_inside_the_year_and_keeps_the_decision(client, personas, a1):
    client.force_login(personas.cadre_a1)
    r = post(client, f"{a1.pk}/suggestions", {"programme": "industry_linkage", "decision": "accept", "year": YEAR,
                                              "amount": "300"})
    assert r.status_code == 201, r.content[:300]
    body = r.json()
    assert (body["decision"], body["programme"], body["reason"]) == ("accepted", "industry_linkage", "")
    assert body["measure"]["starts_on"] == record_day(YEAR).isoformat() == "2019-12-31"
    m = Measure.objects.get()
    assert (m.pk, m.source, m.status, m.amount) == (body["measure"]["id"], "suggestion", "planned", Decimal("300"))
    assert SuggestionDecision.objects.get().measure == m
    student = add_member(a1, "郑高", date(2003, 1, 1), schooling="senior")
    r = post(client, f"{a1.pk}/suggestions", {"programme": "high_school_grant", "decision": "accept",
                                              "starts_on": "2019-09-01", "amount": "1000"})
    assert r.status_code == 201 and r.json()["measure"]["member_id"] == student.pk  # the first who qualifies


def test_decision_refusals_change_nothing(client, personas, a1, households):
    client.force_login(personas.cadre_a1)
    before = state()
    refused(post(client, f"{a1.pk}/suggestions", {"programme": "micro_credit", "decision": "dismiss", "reason": " "}),
            422, "REASON_REQUIRED", before)
    refused(post(client, f"{a1.pk}/suggestions", {"programme": "housing_renovation", "decision": "accept",
                                                  "starts_on": "2019-09-01"}), 422, "NOT_ELIGIBLE", before)
    refused(post(client, f"{a1.pk}/suggestions", {"programme": "high_school_grant", "decision": "accept",
                                                  "member": households["a2"].members.first().pk}),
            422, "MEMBER_NOT_IN_HOUSEHOLD", before)
    refused(post(client, f"{a1.pk}/suggestions", {"programme": "micro_credit", "decision": "maybe"}), 422, "INVALID",
            before)
    r = post(client, f"{a1.pk}/suggestions", {"programme": "micro_credit", "decision": "dismiss", "reason": "无贷款意愿"})
    assert r.status_code == 201 and (r.json()["decision"], r.json()["measure"]) == ("dismissed", None)
    assert SuggestionDecision.objects.get().reason == "无贷款意愿"
    # Deciding again, even accepting: refused, and the measure the acceptance would record is not kept.
    before = state()
    refused(post(client, f"{a1.pk}/suggestions", {"programme": "micro_credit", "decision": "accept",
                                                  "starts_on": "2019-05-01", "amount": "10000"}),
            422, "SUGGESTION_DECIDED", before)
    assert not Measure.objects.exists()
