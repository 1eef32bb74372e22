"""Upload folders of the registry, cleaned by core.uploads: DATA_DIR/bulk, where bulk loads kept their files
before they became background jobs (their inputs are now in core.jobs' store, DATA_DIR/jobs); only leftovers
remain there, and the cleanup empties it."""

from pathlib import Path

from django.conf import settings

from doluong.core.uploads import register_folder


def bulk_folder() -> Path:
    return Path(settings.DATA_DIR) / "bulk"


register_folder("bulk", bulk_folder)
