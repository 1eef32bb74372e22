"""Upload folders of the registry, cleaned by core.uploads: the files of bulk loads (DATA_DIR/bulk). A load deletes
its own file when it ends; a file is left behind only when the process running the load was killed."""

from doluong.core.uploads import register_folder

from .bulk_views import bulk_folder

register_folder("bulk", bulk_folder)
