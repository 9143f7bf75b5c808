"""An attachment whose file is gone from storage (lost, or a restore without its uploads) answers 404 with the
platform's page and message in the viewer's language, never a server error, and logs no download."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import Client

from fupin.core.models import AuditEntry
from fupin.site.tests.attachments import Attached, demo_with_attachments, viewer


@pytest.fixture(scope="module")
def _attached(module_db) -> list[Attached]:
    made: list[Attached] = module_db.build(demo_with_attachments)
    return made


@pytest.fixture
def attached(_attached: list[Attached], db) -> list[Attached]:
    return _attached


@pytest.fixture
def client_for_viewer(attached) -> Client:
    client = Client()
    client.force_login(viewer())
    return client


@pytest.fixture(params=["workflow", "hotline", "projects", "plan"])
def gone(request, attached, module_db) -> Iterator[Attached]:
    """One attachment whose file was taken away for the test (put back after it)."""
    item = next(a for a in attached if a.kind == request.param)
    path = Path(module_db.media) / item.attachment.file.name
    aside = path.with_name(path.name + ".aside")
    shutil.move(path, aside)
    yield item
    shutil.move(aside, path)


def test_every_attachment_downloads_while_its_file_is_there(client_for_viewer, attached):
    for item in attached:
        response = client_for_viewer.get(item.url)
        assert response.status_code == 200, item.kind
        assert b"".join(response.streaming_content) == item.content  # type: ignore[attr-defined]


def test_a_missing_file_answers_404_with_the_platforms_message_and_logs_no_download(client_for_viewer, gone):
    reads = AuditEntry.objects.filter(action="read").count()
    response = client_for_viewer.get(gone.url)
    assert response.status_code == 404
    assert response["X-Fupin-Error"] == "FILE_MISSING"
    page = response.content.decode()
    assert 'data-testid="refused"' in page and "找不到文件" in page
    assert f"文件“{gone.attachment.original_name}”已不在存储中" in page and "no longer in storage" not in page
    assert AuditEntry.objects.filter(action="read").count() == reads


def test_the_message_is_in_the_viewers_language(client_for_viewer, gone):
    client_for_viewer.cookies["django_language"] = "en"
    response = client_for_viewer.get(gone.url)
    assert response.status_code == 404
    page = response.content.decode()
    assert "File not found" in page
    assert f"the file “{gone.attachment.original_name}” is no longer in storage" in page and "已不在存储中" not in page
