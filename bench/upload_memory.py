"""Memory of reading a large CSV upload through the list pages' importer (core.io), for docs/operations.md.

    .venv/bin/python bench/upload_memory.py [megabytes]            # writes the file once under var/bench/
    /usr/bin/time -v .venv/bin/python bench/upload_memory.py 64     # "Maximum resident set size"

Reads the file as the import page does after the upload (from the saved file) and prints the peak of Python
allocations (tracemalloc) and what the reader answered (a file of more than MAX_IMPORT_ROWS rows is refused).
"""

from __future__ import annotations

import csv
import os
import sys
import time
import tracemalloc
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doluong.settings")


def make_file(path: Path, megabytes: int) -> None:
    if path.exists() and path.stat().st_size >= megabytes * 1024 * 1024:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(
            ["Loại phương tiện đo", "Chủ sở hữu", "Số sản xuất", "Nhà sản xuất", "Địa điểm sử dụng"]
        )
        n = 0
        while out.tell() < megabytes * 1024 * 1024:
            writer.writerow(
                ["1-002", "0312687878", f"SN{n:09d}", "Công ty Đo lường Việt", f"Số {n} đường 30/4"]
            )
            n += 1


def main() -> None:
    import django

    django.setup()
    from doluong.core import io as tabular

    megabytes = int(sys.argv[1]) if len(sys.argv) > 1 else 64
    path = Path("var/bench") / f"upload-{megabytes}mb.csv"
    make_file(path, megabytes)
    tracemalloc.start()
    clock = time.perf_counter()
    try:
        if "source" in tabular.read_table.__code__.co_varnames:  # the streaming reader takes a path
            header, body = tabular.read_table(path.name, path)
        else:  # the reader before: the bytes of the whole file
            header, body = tabular.read_table(path.name, path.read_bytes())
        answer = f"{len(body)} rows"
    except tabular.ImportFileError as exc:
        answer = f"refused: {exc}"
    seconds = time.perf_counter() - clock
    _current, peak = tracemalloc.get_traced_memory()
    print(
        f"file {path.stat().st_size / 2**20:.1f} MB; peak Python allocations {peak / 2**20:.1f} MB; "
        f"{seconds:.2f} s; {answer}"
    )


if __name__ == "__main__":
    main()
