"""Loops offer, and never apply silently (ADR 0026 §4): a proposal is applied in one step through the editing
services (their rules, their history with the proposal's source), or dismissed; a refused apply leaves it open;
the household file, the pages and the API show and decide them, and answer 404 outside the user's villages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fupin.core.errors import BadInput, ConcurrentChange
from fupin.core.models import AuditEntry
from fupin.registry.editing import EditRefused
from fupin.registry.models import Change, Household, Member, ProposedChange
from fupin.registry.proposals import proposal_apply, proposal_create, proposal_dismiss

pytestmark = pytest.mark.django_db
Kind = ProposedChange.Kind


@pytest.fixture
def water(home):
    return offer(home, Kind.HOUSEHOLD_UPDATE, {"safe_water": True}, source="finding:41", label="低保特困属性不符")


def offer(household, kind, payload, **kw) -> ProposedChange:
    proposal = proposal_create(household, kind, payload, **kw)
    assert proposal is not None
    return proposal


def version_of(household):
    return Household.objects.get(pk=household.pk).version


def registry_rows():
    return (list(Household.objects.values()), list(Member.everyone.values()), Change.objects.count())


class TestCreate:
    def test_it_offers_the_change_and_records_its_origin(self, home, water):
        assert (water.state, water.kind, water.payload, water.source) == ("open", "household_update",
                                                                          {"safe_water": True}, "finding:41")
        home.refresh_from_db()
        assert home.safe_water is None and home.version == 1  # offered, not applied
        assert AuditEntry.objects.filter(object_type="registry.proposedchange", object_id=str(water.pk)).exists()

    def test_the_same_source_offers_it_once(self, home, water):
        again = proposal_create(home, Kind.HOUSEHOLD_UPDATE, {"safe_water": True}, source="finding:41",
                                label="低保特困属性不符")
        assert again == water and ProposedChange.objects.count() == 1

    def test_nothing_is_offered_when_the_registry_already_holds_it(self, home):
        son = home.members.get(relation="son")
        assert proposal_create(home, Kind.HOUSEHOLD_UPDATE, {"attribute": home.attribute}, source="finding:1",
                               label="x") is None
        member_remove_offer = proposal_create(home, Kind.MEMBER_REMOVE, {"reason_code": "death"}, member=son,
                                              source="finding:2", label="已死亡未减员")
        assert member_remove_offer is not None
        Member.everyone.filter(pk=son.pk).update(removed_on=timezone.localdate(), removal_reason="death")
        son = Member.everyone.get(pk=son.pk)
        assert proposal_create(home, Kind.MEMBER_REMOVE, {"reason_code": "death"}, member=son, source="finding:3",
                               label="已死亡未减员") is None

    def test_a_payload_no_editing_service_takes_is_a_programming_error(self, home):
        with pytest.raises(ValueError, match="household_no"):
            proposal_create(home, Kind.HOUSEHOLD_UPDATE, {"household_no": "X"}, source="finding:1", label="x")
        with pytest.raises(ValueError, match="member"):
            proposal_create(home, Kind.MEMBER_UPDATE, {"dibao": True}, source="finding:1", label="x")


class TestApply:
    def test_it_writes_the_change_with_the_history_naming_the_origin(self, home, water, personas):
        applied = proposal_apply(water, actor=personas.cadre_a1, version=version_of(home))
        home.refresh_from_db()
        assert home.safe_water is True and home.version == 2
        change = Change.objects.get(household=home)
        assert (change.field, change.new, change.source, change.actor, change.reason) == (
            "safe_water", True, "finding:41", personas.cadre_a1, "低保特困属性不符")
        assert (applied.state, applied.decided_by) == ("applied", personas.cadre_a1)
        assert applied.decided_at is not None

    def test_a_member_removal_takes_the_date_the_source_gave(self, home, personas):
        son = home.members.get(relation="son")
        died = timezone.localdate() - timedelta(days=40)
        proposal = offer(home, Kind.MEMBER_REMOVE, {"reason_code": "death"}, member=son, valid_from=died,
                         source="finding:7", label="已死亡未减员")
        proposal_apply(proposal, actor=personas.cadre_a1, version=version_of(home))
        son = Member.everyone.get(pk=son.pk)
        assert (son.removed_on, son.removal_reason) == (died, "death")
        assert set(Change.objects.filter(member=son).values_list("field", "valid_from", "source")) == {
            ("removed_on", died, "finding:7"), ("removal_reason", died, "finding:7")}

    def test_a_stale_page_is_refused_and_the_proposal_stays_open(self, home, water, personas):
        read = version_of(home)
        Household.objects.filter(pk=home.pk).update(version=read + 1)  # someone else saved the household meanwhile
        before = registry_rows()
        with pytest.raises(ConcurrentChange):
            proposal_apply(water, actor=personas.cadre_a1, version=read)
        assert registry_rows() == before
        water.refresh_from_db()
        assert (water.state, water.decided_at) == ("open", None)

    def test_the_rules_refuse_and_the_proposal_stays_open(self, home, personas):
        head = home.members.get(relation="head")
        proposal = offer(home, Kind.MEMBER_REMOVE, {"reason_code": "death"}, member=head,
                         valid_from=timezone.localdate(), source="finding:8", label="已死亡未减员")
        before = registry_rows()
        with pytest.raises(EditRefused) as refused:
            proposal_apply(proposal, actor=personas.cadre_a1, version=version_of(home))
        assert [p.code for p in refused.value.problems] == ["HEAD_NOT_REMOVABLE"]
        assert registry_rows() == before
        proposal.refresh_from_db()
        assert proposal.state == "open"

    def test_a_household_outside_the_actors_villages_is_refused(self, home, water, personas):
        before = registry_rows()
        with pytest.raises(PermissionDenied):
            proposal_apply(water, actor=personas.cadre_b1, version=version_of(home))
        assert registry_rows() == before
        water.refresh_from_db()
        assert water.state == "open"

    def test_a_decided_proposal_is_not_applied_again(self, home, water, personas):
        proposal_apply(water, actor=personas.cadre_a1, version=version_of(home))
        with pytest.raises(ConcurrentChange) as refused:
            proposal_apply(water, actor=personas.cadre_a1, version=version_of(home))
        assert refused.value.code == "PROPOSAL_DECIDED"
        assert Change.objects.filter(household=home).count() == 1


class TestDismiss:
    def test_it_is_dismissed_with_the_reason_and_the_registry_unchanged(self, home, water, personas):
        before = registry_rows()
        dismissed = proposal_dismiss(water, actor=personas.cadre_a1, reason="入户核实：已通自来水，名单有误")
        assert (dismissed.state, dismissed.decision_note, dismissed.decided_by) == (
            "dismissed", "入户核实：已通自来水，名单有误", personas.cadre_a1)
        assert registry_rows() == before
        with pytest.raises(ConcurrentChange):
            proposal_apply(water, actor=personas.cadre_a1, version=version_of(home))

    def test_a_reason_is_required(self, water, personas):
        with pytest.raises(BadInput) as refused:
            proposal_dismiss(water, actor=personas.cadre_a1, reason="  ")
        assert refused.value.fields == {"reason": [refused.value.message]}
        water.refresh_from_db()
        assert water.state == "open"

    def test_outside_the_actors_villages_it_is_refused(self, water, personas):
        with pytest.raises(PermissionDenied):
            proposal_dismiss(water, actor=personas.cadre_b1, reason="不属实")
        water.refresh_from_db()
        assert water.state == "open"


def signed_in(user, language="zh-hans"):
    client = Client()
    client.force_login(user)
    if language != "zh-hans":
        client.post(reverse("set_language"), {"language": language, "next": "/"})
    return client


class TestPages:
    def test_the_household_file_lists_open_proposals_with_their_buttons(self, home, water, personas):
        page = signed_in(personas.cadre_a1).get(reverse("registry:household-detail", args=[home.pk]))
        html = page.content.decode()
        assert f'data-testid="proposal-{water.pk}"' in html
        assert reverse("registry:proposal-apply", args=[water.pk]) in html
        assert reverse("registry:proposal-dismiss", args=[water.pk]) in html
        assert "饮水安全 → 是" in html and "低保特困属性不符" in html
        assert reverse("crosscheck:finding-detail", args=[41]) in html  # where it comes from

    def test_the_household_file_is_translated(self, home, water, personas):
        html = signed_in(personas.cadre_a1, "en").get(
            reverse("registry:household-detail", args=[home.pk])).content.decode()
        assert "Proposed changes" in html and "Apply" in html and "Dismiss" in html
        assert "Safe drinking water → Yes" in html and "低保特困" not in html

    def test_apply_from_the_page(self, home, water, personas):
        response = signed_in(personas.cadre_a1).post(reverse("registry:proposal-apply", args=[water.pk]),
                                                     {"version": version_of(home)})
        assert response.status_code == 302 and response["Location"].endswith("#sec-proposals")
        water.refresh_from_db()
        assert water.state == "applied"
        assert Household.objects.get(pk=home.pk).safe_water is True

    def test_a_refused_apply_from_the_page_says_why_and_leaves_it_open(self, home, personas):
        head = home.members.get(relation="head")
        proposal = offer(home, Kind.MEMBER_REMOVE, {"reason_code": "death"}, member=head,
                         source="finding:8", label="已死亡未减员")
        client = signed_in(personas.cadre_a1)
        response = client.post(reverse("registry:proposal-apply", args=[proposal.pk]), {"version": version_of(home)},
                               follow=True)
        assert "户主不能直接减少" in response.content.decode()
        proposal.refresh_from_db()
        assert proposal.state == "open"

    def test_dismiss_from_the_page(self, water, personas):
        response = signed_in(personas.cadre_a1).post(reverse("registry:proposal-dismiss", args=[water.pk]),
                                                     {"reason": "不属实"})
        assert response.status_code == 302
        water.refresh_from_db()
        assert (water.state, water.decision_note) == ("dismissed", "不属实")

    def test_another_villages_proposal_answers_404(self, water, personas):
        client = signed_in(personas.cadre_b1)
        for name, data in (("registry:proposal-apply", {"version": 1}), ("registry:proposal-dismiss", {"reason": "x"})):
            assert client.post(reverse(name, args=[water.pk]), data).status_code == 404
        water.refresh_from_db()
        assert water.state == "open"


class TestApi:
    def test_it_lists_a_households_proposals(self, home, water, personas):
        client = signed_in(personas.cadre_a1)
        rows = client.get(f"/api/v1/registry/households/{home.pk}/proposals?state=open").json()
        assert [(r["id"], r["kind"], r["payload"], r["source"], r["state"]) for r in rows] == [
            (water.pk, "household_update", {"safe_water": True}, "finding:41", "open")]
        assert client.get(f"/api/v1/registry/households/{home.pk}/proposals?state=applied").json() == []

    def test_apply_and_dismiss(self, home, water, personas):
        client = signed_in(personas.cadre_a1)
        stale = client.post(f"/api/v1/registry/proposals/{water.pk}/apply", {"version": version_of(home) + 1},
                            content_type="application/json")
        assert (stale.status_code, stale.json()["code"]) == (409, "CONCURRENT_CHANGE")
        applied = client.post(f"/api/v1/registry/proposals/{water.pk}/apply", {"version": version_of(home)},
                              content_type="application/json")
        assert (applied.status_code, applied.json()["state"]) == (200, "applied")
        other = offer(home, Kind.HOUSEHOLD_UPDATE, {"housing_grade": "B"}, source="measure:3",
                      label="危房改造已落实")
        empty = client.post(f"/api/v1/registry/proposals/{other.pk}/dismiss", {"reason": ""},
                            content_type="application/json")
        assert (empty.status_code, empty.json()["code"], list(empty.json()["fields"])) == (422, "REASON_REQUIRED",
                                                                                           ["reason"])
        dismissed = client.post(f"/api/v1/registry/proposals/{other.pk}/dismiss", {"reason": "已改为 C 级"},
                                content_type="application/json")
        assert (dismissed.status_code, dismissed.json()["state"]) == (200, "dismissed")

    def test_another_villages_household_and_proposal_answer_404(self, home, water, personas):
        client = signed_in(personas.cadre_b1)
        assert client.get(f"/api/v1/registry/households/{home.pk}/proposals").status_code == 404
        assert client.post(f"/api/v1/registry/proposals/{water.pk}/apply", {"version": 1},
                           content_type="application/json").status_code == 404
        assert client.post(f"/api/v1/registry/proposals/{water.pk}/dismiss", {"reason": "x"},
                           content_type="application/json").status_code == 404
        water.refresh_from_db()
        assert water.state == "open"
