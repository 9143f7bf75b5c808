"""The household page's workflow panels, the step endpoints and the workflow API."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from fupin.notices.models import Notice
from fupin.registry.models import Household
from fupin.workflow.models import HouseholdTransition, TransitionAttachment
from fupin.workflow.services import household_transition
from fupin.workflow.tests.test_workflow_identification import PDF, state


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _page(client: Client, household: Household) -> str:
    response = client.get(f"/registry/households/{household.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_household_page_offers_each_user_the_steps_of_their_level(candidate, personas, clock):
    clock("2020-05-01")
    cadre_page = _page(_client(personas.cadre_a1), candidate)
    assert 'data-action="apply"' in cadre_page and "农户申请" in cadre_page
    assert 'data-testid="helpers"' in cadre_page and 'data-testid="workflow-timeline"' in cadre_page
    township_page = _page(_client(personas.township_a), candidate)
    assert 'data-action="apply"' not in township_page and "没有可办理的流程操作" in township_page
    assert 'data-action="apply"' not in _page(_client(personas.auditor), candidate)


def test_a_cadre_takes_a_step_from_the_page_with_evidence(candidate, personas, clock, media):
    clock("2020-05-01")
    client = _client(personas.cadre_a1)
    response = client.post(f"/workflow/households/{candidate.pk}/apply/", {
        "note": "户主书面申请", "seen_status": "", "files": [SimpleUploadedFile("申请书.pdf", PDF)]})
    assert response.status_code == 302 and response["Location"].endswith(f"/registry/households/{candidate.pk}/#workflow")
    candidate.refresh_from_db()
    assert candidate.status == "applied"
    attachment = TransitionAttachment.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert "已办理：农户申请" in page and "申请书.pdf" in page and "户主书面申请" in page
    download = client.get(f"/workflow/attachments/{attachment.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF  # type: ignore[attr-defined]
    assert "attachment" in download["Content-Disposition"]


def test_a_refused_step_shows_the_refusal_and_changes_nothing(candidate, personas, clock, media):
    clock("2020-05-01")
    household_transition(candidate, "apply", actor=personas.cadre_a1)
    household_transition(candidate, "village_review", actor=personas.cadre_a1)
    client = _client(personas.township_a)
    page = _page(client, candidate)
    assert 'data-testid="workflow-blocked"' in page and "尚在公示期内" in page  # previewed before posting
    before = state(candidate, media)
    response = client.post(f"/workflow/households/{candidate.pk}/township_review/",
                           {"seen_status": "village_reviewed", "files": [SimpleUploadedFile("a.pdf", PDF)]})
    assert (response.status_code, response["X-Fupin-Error"]) == (409, "NOTICE_RUNNING")  # the refused-step page
    assert state(candidate, media) == before
    shown = response.content.decode()
    assert 'class="msg-error"' in shown and "2020-05-08 起方可办理" in shown


def test_a_step_posted_from_an_out_of_date_page_is_refused(candidate, personas, clock, media):
    clock("2020-05-01")
    household_transition(candidate, "apply", actor=personas.cadre_a1)
    client = _client(personas.cadre_a1)
    before = state(candidate, media)
    response = client.post(f"/workflow/households/{candidate.pk}/apply/", {"seen_status": ""})
    assert (response.status_code, response["X-Fupin-Error"]) == (409, "CONCURRENT_CHANGE")
    assert state(candidate, media) == before
    assert "已被他人更改" in response.content.decode()


def test_a_step_from_a_wrong_state_answers_409_wrong_state_on_the_page_and_in_the_api(areas, personas, clock, media):
    """The one wrong-state refusal of the workflow core: 409, code WRONG_STATE, the reason in the viewer's
    language (Chinese by default, English with the English UI), nothing changed."""
    clock("2020-05-01")
    household = Household.objects.create(household_no="H-A1-0200", village=areas.village_a1, status="exited",
                                         attribute="general_poor")
    client = _client(personas.officer)
    before = state(household, media)
    url = f"/workflow/households/{household.pk}/county_approve/"
    page = client.post(url, {"seen_status": "exited"})
    assert (page.status_code, page["X-Fupin-Error"]) == (409, "WRONG_STATE")
    assert "「县级审定并公告」只适用于状态为「乡镇审核」的户" in page.content.decode()
    english = client.post(url, {"seen_status": "exited"}, HTTP_ACCEPT_LANGUAGE="en")
    assert (english.status_code, english["X-Fupin-Error"]) == (409, "WRONG_STATE")
    assert "county_approve applies to households in TOWNSHIP_REVIEWED; this one is EXITED" in english.content.decode()
    api = client.post(f"/api/v1/workflow/households/{household.pk}/transitions",
                      {"action": "county_approve", "seen_status": "exited"})
    assert (api.status_code, api.json()["code"]) == (409, "WRONG_STATE")
    assert state(household, media) == before


def test_a_step_needs_the_capability_and_a_known_action(candidate, personas, clock, media):
    clock("2020-05-01")
    township, cadre = _client(personas.township_a), _client(personas.cadre_a1)
    before = state(candidate, media)
    assert township.post(f"/workflow/households/{candidate.pk}/apply/").status_code == 403
    assert cadre.post(f"/workflow/households/{candidate.pk}/promote/").status_code == 404
    assert cadre.get(f"/workflow/households/{candidate.pk}/apply/").status_code == 405
    assert state(candidate, media) == before


def test_the_api_lists_steps_and_actions_and_takes_a_step(candidate, personas, clock, media):
    clock("2020-05-01")
    client = _client(personas.cadre_a1)
    response = client.get(f"/api/v1/workflow/households/{candidate.pk}")
    body = response.json()
    assert response.status_code == 200 and body["status"] is None and [a["action"] for a in body["actions"]] == ["apply"]
    created = client.post(f"/api/v1/workflow/households/{candidate.pk}/transitions",
                          {"action": "apply", "note": "申请", "files": [SimpleUploadedFile("申请书.pdf", PDF)]})
    assert created.status_code == 201, created.content
    step = created.json()
    assert (step["action"], step["from_state"], step["to_state"], step["actor"]) == ("apply", None, "applied", "cadre_a1")
    assert step["attachments"][0]["name"] == "申请书.pdf" and len(step["attachments"][0]["sha256"]) == 64
    listed = client.get(f"/api/v1/workflow/households/{candidate.pk}").json()
    assert [t["action"] for t in listed["transitions"]] == ["apply"]
    assert [a["action"] for a in listed["actions"]] == ["village_review", "withdraw_application"]


def test_the_api_answers_refusals_in_the_envelope_and_changes_nothing(candidate, personas, clock, media):
    clock("2020-05-01")
    client, township = _client(personas.cadre_a1), _client(personas.township_a)
    before = state(candidate, media)
    refused = client.post(f"/api/v1/workflow/households/{candidate.pk}/transitions", {"action": "village_review"})
    assert refused.status_code == 409
    assert refused.json()["code"] == "WRONG_STATE" and " / " in refused.json()["message"]
    stale = client.post(f"/api/v1/workflow/households/{candidate.pk}/transitions",
                        {"action": "apply", "seen_status": "applied"})
    assert (stale.status_code, stale.json()["code"]) == (409, "CONCURRENT_CHANGE")
    bad_file = client.post(f"/api/v1/workflow/households/{candidate.pk}/transitions",
                           {"action": "apply", "files": [SimpleUploadedFile("x.exe", b"MZ")]})
    assert (bad_file.status_code, bad_file.json()["code"]) == (422, "BAD_INPUT") and "files" in bad_file.json()["fields"]
    forbidden = township.post(f"/api/v1/workflow/households/{candidate.pk}/transitions",
                                                  {"action": "apply"})
    assert (forbidden.status_code, forbidden.json()["code"]) == (403, "FORBIDDEN")
    assert state(candidate, media) == before
    assert not HouseholdTransition.objects.exists() and not Notice.objects.exists()
