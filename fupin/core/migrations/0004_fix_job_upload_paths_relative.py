"""Upload jobs name their files relative to MEDIA_ROOT (``params.paths``: "uploads/<uuid>/1-x.xlsx"), so a
data folder moved or restored elsewhere still finds them. Paths stored absolute before are made relative: to
MEDIA_ROOT when they are inside it, else from their "uploads/" folder on (the folder the upload store writes,
under whichever MEDIA_ROOT was current then). Anything else is left as it is."""

from pathlib import PurePosixPath

from django.conf import settings
from django.db import migrations

UPLOADS = "uploads"  # fupin.core.imports.uploads stores under MEDIA_ROOT/uploads/<uuid>/


def _relative(value, root):
    if not isinstance(value, str):
        return value
    path = PurePosixPath(value)
    if not path.is_absolute():
        return value
    if path.is_relative_to(root):
        return path.relative_to(root).as_posix()
    parts = path.parts
    if UPLOADS in parts:
        last = len(parts) - 1 - parts[::-1].index(UPLOADS)
        return PurePosixPath(*parts[last:]).as_posix()
    return value


def fix_paths(apps, schema_editor):
    JobRun = apps.get_model("core", "JobRun")
    root = PurePosixPath(str(settings.MEDIA_ROOT))
    for job in JobRun.objects.exclude(params={}).only("pk", "params").iterator():
        params = job.params
        if not isinstance(params, dict) or not isinstance(params.get("paths"), list):
            continue
        paths = [_relative(p, root) for p in params["paths"]]
        if paths != params["paths"]:
            JobRun.objects.filter(pk=job.pk).update(params={**params, "paths": paths})


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0003_audit_entry_key_id'),
    ]

    operations = [
        migrations.RunPython(fix_paths, migrations.RunPython.noop),
    ]
