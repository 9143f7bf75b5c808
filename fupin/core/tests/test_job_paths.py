"""Upload jobs name their files relative to the data folder (MEDIA_ROOT), so a data folder moved or restored
elsewhere still finds them; rows written before with absolute paths are made relative by a data migration."""

from __future__ import annotations

import importlib
import shutil
from pathlib import Path

from django.apps import apps

from fupin.core.imports.jobs import job_files
from fupin.core.models import JobRun

fix = importlib.import_module("fupin.core.migrations.0004_fix_job_upload_paths_relative")


def _job(**params: object) -> JobRun:
    return JobRun.objects.create(kind="registry.import", title="导入", params=params)


def test_a_job_finds_its_upload_under_the_data_folder_wherever_it_now_is(db, settings, tmp_path):
    old = tmp_path / "old" / "media"
    (old / "uploads" / "abc").mkdir(parents=True)
    (old / "uploads" / "abc" / "1-户.csv").write_text("户编号\n")
    job = _job(paths=["uploads/abc/1-户.csv"], names=["户.csv"])
    new = tmp_path / "restored" / "media"
    shutil.copytree(old, new)
    settings.MEDIA_ROOT = new
    paths, names = job_files(job)
    assert paths == [new / "uploads" / "abc" / "1-户.csv"] and paths[0].is_file() and names == ["户.csv"]


def test_the_migration_makes_absolute_upload_paths_relative_and_leaves_the_rest(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    inside = _job(paths=[str(tmp_path / "media" / "uploads" / "a1" / "1-x.xlsx")], names=["x.xlsx"], valid_only=True)
    old = tmp_path / "old-var" / "media" / "uploads" / "b2"  # a data folder the installation has since left
    moved = _job(paths=[str(old / "1-户.csv"), str(old / "2-人.csv")])
    relative = _job(paths=["uploads/c3/1-y.csv"])
    outside = str(tmp_path / "somewhere" / "z.csv")
    elsewhere = _job(paths=[outside])
    no_files = _job(year=2020)
    fix.fix_paths(apps, None)
    assert JobRun.objects.get(pk=inside.pk).params == {"paths": ["uploads/a1/1-x.xlsx"], "names": ["x.xlsx"],
                                                      "valid_only": True}
    assert JobRun.objects.get(pk=moved.pk).params["paths"] == ["uploads/b2/1-户.csv", "uploads/b2/2-人.csv"]
    assert JobRun.objects.get(pk=relative.pk).params["paths"] == ["uploads/c3/1-y.csv"]
    assert JobRun.objects.get(pk=elsewhere.pk).params["paths"] == [outside]
    assert JobRun.objects.get(pk=no_files.pk).params == {"year": 2020}
    assert Path(settings.MEDIA_ROOT, JobRun.objects.get(pk=moved.pk).params["paths"][0]).is_relative_to(
        settings.MEDIA_ROOT)
