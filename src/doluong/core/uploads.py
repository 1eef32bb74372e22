"""Uploads: the size limit of each kind of upload, and the folders where uploads wait, with their cleanup.

Limits (settings.DOLUONG_UPLOAD_LIMITS, in bytes, set from DOLUONG_UPLOAD_<KIND>_MB) are checked on the
uploaded file's size before anything reads it (`check_size`, or the `LimitedFileField` of a form); the request
as a whole is refused above the largest limit (core.middleware.RequestSizeMiddleware).

Each app that keeps uploads on disk while a person previews them or a job runs registers the folder here
(`register_folder`); `clean(…)` deletes what is left behind: previews never confirmed and files of interrupted
jobs, older than settings.DOLUONG_UPLOAD_MAX_AGE_HOURS, except the files a registered `in_use` callback names.
It runs at the start of each new upload of that folder and as `doluong manage clean_uploads` (a cron job;
idempotent).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def limit(kind: str) -> int:
    """The largest upload of `kind` in bytes."""
    return int(settings.DOLUONG_UPLOAD_LIMITS[kind])


def largest_limit() -> int:
    return max(int(v) for v in settings.DOLUONG_UPLOAD_LIMITS.values())


def format_size(size: int) -> str:
    """1.5 MB, 300 KB, 12 bytes — as a person reads a file size."""
    if size >= 1024 * 1024:
        value = f"{size / (1024 * 1024):.1f}".rstrip("0").rstrip(".")
        return _("%(size)s MB") % {"size": value}
    if size >= 1024:
        return _("%(size)s KB") % {"size": size // 1024}
    return _("%(size)s bytes") % {"size": size}


def check_size(upload, kind: str) -> None:
    """Raise ValidationError when `upload` (an UploadedFile) is larger than the limit for `kind`."""
    maximum = limit(kind)
    if upload.size is not None and upload.size > maximum:
        raise ValidationError(
            _("The file “%(name)s” is %(size)s; files of this kind may be at most %(limit)s.")
            % {"name": upload.name, "size": format_size(upload.size), "limit": format_size(maximum)},
            code="file_too_large",
        )


class SizeLimit:
    """A validator of an uploaded file's size for the upload `kind` (added to every file field of the model
    forms, core.forms.BaseModelForm)."""

    def __init__(self, kind: str):
        self.kind = kind

    def __call__(self, upload) -> None:
        if upload is not None and hasattr(upload, "size") and hasattr(upload, "chunks"):
            check_size(upload, self.kind)


class LimitedFileField(forms.FileField):
    """A file field that refuses a file above the limit of its upload `kind` (before the view reads it)."""

    def __init__(self, *args, kind: str, **kwargs):
        self.kind = kind
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload and hasattr(upload, "size"):
            check_size(upload, self.kind)
        return upload


def save_upload(upload, folder: Path, suffix: str) -> Path:
    """Write `upload` under `folder` chunk by chunk (never whole in memory) as <random>.<suffix>."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}{suffix}"
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return path


# ------------------------------------------------------------------------------------------------ cleanup


@dataclass
class UploadFolder:
    name: str
    path: Callable[[], Path]
    #: names of the files in the folder that must stay (a running job's file); None = none
    in_use: Callable[[], Iterable[str]] | None = None


FOLDERS: dict[str, UploadFolder] = {}


def register_folder(name: str, path: Callable[[], Path], in_use: Callable[[], Iterable[str]] | None = None):
    FOLDERS[name] = UploadFolder(name, path, in_use)


def _discover() -> None:
    """The folders are registered by the modules that own them (imported lazily: core imports no app)."""
    from django.apps import apps
    from django.utils.module_loading import autodiscover_modules

    if apps.ready:
        autodiscover_modules("uploads")


def clean(
    names: Iterable[str] | None = None, *, max_age_hours: float | None = None, now: float | None = None
):
    """Delete the files older than `max_age_hours` (default: the setting) in the registered folders `names`
    (default: all) that are not in use. Returns {folder: files deleted}. Safe to run at any time, twice."""
    _discover()
    hours = settings.DOLUONG_UPLOAD_MAX_AGE_HOURS if max_age_hours is None else max_age_hours
    cutoff = (time.time() if now is None else now) - hours * 3600
    deleted: dict[str, int] = {}
    for name in list(names) if names is not None else sorted(FOLDERS):
        folder = FOLDERS[name]
        root = folder.path()
        count = 0
        if root.is_dir():
            keep = set(folder.in_use()) if folder.in_use else set()
            for entry in root.iterdir():
                if not entry.is_file() or entry.name in keep:
                    continue
                try:
                    if entry.stat().st_mtime < cutoff:
                        entry.unlink()
                        count += 1
                except FileNotFoundError:  # deleted meanwhile by the job or another cleanup
                    continue
        deleted[name] = count
    return deleted


def imports_folder() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


register_folder("imports", imports_folder)
