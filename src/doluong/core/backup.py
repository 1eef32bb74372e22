"""Backup and restore of a whole site: the database, the uploaded files (MEDIA_ROOT) and, on request, the
key-encryption key. Used by `doluong manage backup` and `doluong manage restore` (docs/operations.md).

A backup is one gzip-compressed tar archive::

    database/doluong.sqlite3   SQLite: a consistent copy made with the online backup API (the site may run)
    database/doluong.pgdump    PostgreSQL: `pg_dump --format=custom`
    media/…                    every file under MEDIA_ROOT
    keys/…                     only with `--include-kek`: the files of DOLUONG_KEYS_DIR (the KEK, the root key)
    manifest.json              what the archive holds: versions, database vendor, migrations, files and SHA-256

The signing keys of the providers are rows of the database, sealed with the key-encryption key; the KEK itself is
left out unless asked for, so that a stolen backup does not unseal them (keep the KEK apart, like a password).

A restore reads the whole archive into a scratch folder and checks it (every file listed, every hash right, no
path outside the archive, migrations not newer than the code, the same database vendor, an empty target unless
forced) before it touches the database or the files. Core only: no domain app is imported here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils.translation import gettext as _

FORMAT = "doluong-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database/doluong.sqlite3"
PG_MEMBER = "database/doluong.pgdump"
MEDIA_PREFIX = "media/"
KEYS_PREFIX = "keys/"
#: tables that `migrate` itself fills: a database holding only these counts as empty
BOOKKEEPING_TABLES = {"django_migrations", "django_content_type", "auth_permission", "sqlite_sequence"}
#: libpq connection keywords that may come from DATABASES[...]["OPTIONS"]
LIBPQ_OPTIONS = {
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "sslpassword",
    "connect_timeout",
    "application_name",
    "options",
    "target_session_attrs",
    "service",
    "passfile",
    "gssencmode",
}
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why, for the person running the command."""


@dataclass
class Result:
    path: Path
    manifest: dict
    size: int = 0
    notes: list[str] = field(default_factory=list)


# ------------------------------------------------------------------------------------------- helpers


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while block := stream.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def doluong_version() -> str:
    try:
        return metadata.version("doluong")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree without install
        return "unknown"


def data_dir() -> Path:
    return Path(settings.DATA_DIR)


def media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def keys_dir() -> Path:
    """The folder of the key-encryption key and the site root key (settings.DOLUONG_KEYS_DIR, DATA_DIR/keys by
    default)."""
    configured = getattr(settings, "DOLUONG_KEYS_DIR", None)
    return Path(configured) if configured else data_dir() / "keys"


def kek_files() -> list[tuple[str, Path]]:
    """(archive name, path) of the key-encryption key files: everything under <DATA_DIR>/keys/, plus the file
    DOLUONG_KEK_FILE names if it lies elsewhere."""
    found: dict[Path, str] = {}
    root = keys_dir()
    if root.is_dir():
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.is_symlink():
                found[path.resolve()] = KEYS_PREFIX + path.relative_to(root).as_posix()
    named = getattr(settings, "DOLUONG_KEK_FILE", None) or os.environ.get("DOLUONG_KEK_FILE")
    if named:
        path = Path(named)
        if path.is_file() and path.resolve() not in found:
            found[path.resolve()] = KEYS_PREFIX + path.name
    return [(name, path) for path, name in found.items()]


def _vendor(alias: str = DEFAULT_DB_ALIAS) -> str:
    return connections[alias].vendor


def applied_migrations(alias: str = DEFAULT_DB_ALIAS) -> dict[str, list[str]]:
    """{app label: sorted names of its applied migrations} of a database."""
    from django.db.migrations.recorder import MigrationRecorder

    recorder = MigrationRecorder(connections[alias])
    if not recorder.has_table():
        return {}
    state: dict[str, list[str]] = {}
    for app, name in recorder.applied_migrations():
        state.setdefault(app, []).append(name)
    return {app: sorted(names) for app, names in sorted(state.items())}


def _sqlite_migrations(path: Path) -> dict[str, list[str]]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        rows = conn.execute("SELECT app, name FROM django_migrations").fetchall()
    conn.close()
    state: dict[str, list[str]] = {}
    for app, name in rows:
        state.setdefault(app, []).append(name)
    return {app: sorted(names) for app, names in sorted(state.items())}


def _code_migrations() -> set[tuple[str, str]]:
    """(app, name) of every migration the installed code has, including the names squashed migrations replace."""
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True, replace_migrations=False)
    known = set(loader.disk_migrations)
    for migration in loader.disk_migrations.values():
        known.update(getattr(migration, "replaces", ()) or ())
    return known


def is_database_empty(alias: str = DEFAULT_DB_ALIAS) -> bool:
    """True when no table but the ones `migrate` fills by itself holds a row."""
    connection = connections[alias]
    tables = [t for t in connection.introspection.table_names() if t not in BOOKKEEPING_TABLES]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")
            if cursor.fetchone() is not None:
                return False
    return True


def _has_files(root: Path) -> bool:
    return root.is_dir() and any(p.is_file() for p in root.rglob("*"))


# ------------------------------------------------------------------------------------------- PostgreSQL


def _pg_tool(name: str) -> str:
    """The path of pg_dump/pg_restore: DOLUONG_PG_BIN (a folder) if set, else the PATH."""
    folder = os.environ.get("DOLUONG_PG_BIN")
    found = shutil.which(name, path=folder) if folder else shutil.which(name)
    if not found:
        raise BackupError(
            _(
                "The PostgreSQL tool %(tool)s was not found: install the PostgreSQL client (the same major version "
                "as the server, or newer) or set DOLUONG_PG_BIN to the folder that holds it."
            )
            % {"tool": name}
        )
    return found


def _pg_conninfo(alias: str = DEFAULT_DB_ALIAS) -> tuple[str, dict]:
    """A libpq connection string for the database of `alias` and the environment for the tool (the password
    goes in PGPASSWORD, never on the command line)."""
    params = connections[alias].settings_dict

    def quote(value) -> str:
        text = str(value).replace("\\", "\\\\").replace("'", "\\'")
        return f"'{text}'"

    parts = {"dbname": params["NAME"], "host": params.get("HOST"), "port": params.get("PORT")}
    parts["user"] = params.get("USER")
    for key, value in (params.get("OPTIONS") or {}).items():
        if key in LIBPQ_OPTIONS and value not in (None, ""):
            parts[key] = value
    conninfo = " ".join(f"{k}={quote(v)}" for k, v in parts.items() if v not in (None, ""))
    env = dict(os.environ)
    if params.get("PASSWORD"):
        env["PGPASSWORD"] = str(params["PASSWORD"])
    return conninfo, env


def _run(args: list[str], env: dict, what: str) -> None:
    completed = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise BackupError(
            _("%(tool)s failed (exit code %(code)s): %(error)s")
            % {"tool": what, "code": completed.returncode, "error": completed.stderr.strip()[-2000:]}
        )


def _pg_dump(target: Path, alias: str) -> None:
    conninfo, env = _pg_conninfo(alias)
    _run(
        [_pg_tool("pg_dump"), "--format=custom", "--file", str(target), "--dbname", conninfo], env, "pg_dump"
    )


def _pg_restore(source: Path, alias: str) -> None:
    conninfo, env = _pg_conninfo(alias)
    connections[alias].close()
    _run(
        [
            _pg_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            "--dbname",
            conninfo,
            str(source),
        ],
        env,
        "pg_restore",
    )


# ------------------------------------------------------------------------------------------- SQLite


def _sqlite_path(alias: str) -> Path | None:
    """The file of a SQLite database, or None for an in-memory one (the test database)."""
    connection = connections[alias]
    if connection.is_in_memory_db():
        return None
    return Path(connection.settings_dict["NAME"])


def _sqlite_dump(target: Path, alias: str) -> None:
    """A consistent copy through SQLite's online backup API, while other connections may write."""
    connection = connections[alias]
    destination = sqlite3.connect(target)
    waits = 0

    def give_up_when_locked(status, remaining, total):
        # sqlite3 retries a busy or locked source for ever; stop after about a minute
        nonlocal waits
        if status in (5, 6):  # SQLITE_BUSY, SQLITE_LOCKED
            waits += 1
            if waits > 240:
                raise BackupError(_("The SQLite database stayed locked: the copy was not made; try again."))

    try:
        path = _sqlite_path(alias)
        if path is None:  # in-memory: only this process's connection can read it
            connection.ensure_connection()
            connection.connection.backup(destination, progress=give_up_when_locked, sleep=0.25)
        else:
            source = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=20)
            try:
                source.backup(destination, progress=give_up_when_locked, sleep=0.25)
            finally:
                source.close()
        destination.execute("PRAGMA journal_mode=DELETE")  # one self-contained file in the archive
    finally:
        destination.close()
    with sqlite3.connect(target) as check:
        row = check.execute("PRAGMA quick_check").fetchone()
    check.close()
    if row is None or row[0] != "ok":
        raise BackupError(_("The copy of the SQLite database is damaged: %(error)s") % {"error": row})


def _sqlite_restore(source: Path, alias: str) -> None:
    """Replace the database file atomically (a rename in its folder) with the backed-up copy."""
    target = _sqlite_path(alias)
    if target is None:
        raise BackupError(_("The configured SQLite database is in memory: there is no file to restore into."))
    connections[alias].close()
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        # fold the old write-ahead log into the old file, so no stale -wal is ever applied to the new one
        with sqlite3.connect(target, timeout=20) as old:
            old.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        old.close()
    fd, scratch = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".restore", dir=target.parent)
    os.close(fd)
    try:
        shutil.copyfile(source, scratch)
        with sqlite3.connect(scratch) as fresh:
            row = fresh.execute("PRAGMA integrity_check").fetchone()
            fresh.execute("PRAGMA journal_mode=WAL")
        fresh.close()
        if row is None or row[0] != "ok":
            raise BackupError(_("The database in the backup is damaged: %(error)s") % {"error": row})
        os.replace(scratch, target)
    finally:
        if os.path.exists(scratch):
            os.unlink(scratch)
    for suffix in ("-wal", "-shm"):
        stale = target.with_name(target.name + suffix)
        if stale.exists():
            stale.unlink()


# ------------------------------------------------------------------------------------------- backup


def default_output() -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    return data_dir() / "backups" / f"doluong-backup-{stamp}.tar.gz"


def _media_files(root: Path) -> list[tuple[str, Path]]:
    if not root.is_dir():
        return []
    files = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            files.append((MEDIA_PREFIX + path.relative_to(root).as_posix(), path))
    return files


def _entry(name: str, path: Path) -> dict:
    return {"path": name, "size": path.stat().st_size, "sha256": sha256_file(path)}


def _add_file(archive: tarfile.TarFile, name: str, path: Path, entry: dict) -> None:
    """Add `path` as `name`, hashing the bytes actually written; a file that changed while it was read is an
    error rather than a silently wrong hash."""
    info = tarfile.TarInfo(name)
    info.size = entry["size"]
    info.mtime = int(path.stat().st_mtime)
    info.mode = 0o600 if name.startswith(KEYS_PREFIX) else 0o644
    digest = hashlib.sha256()

    class Hashing(io.RawIOBase):
        def __init__(self, stream):
            self.stream = stream

        def readable(self):
            return True

        def read(self, size=-1):
            block = self.stream.read(size)
            digest.update(block)
            return block

    with open(path, "rb") as stream:
        archive.addfile(info, Hashing(stream))
    if digest.hexdigest() != entry["sha256"]:
        raise BackupError(
            _("%(name)s changed while it was being copied: run the backup again.") % {"name": name}
        )


def create_backup(
    output: Path | str | None = None,
    *,
    include_kek: bool = False,
    alias: str = DEFAULT_DB_ALIAS,
    progress: Callable[[str], None] | None = None,
) -> Result:
    """Write a backup archive of the configured database, MEDIA_ROOT and (with `include_kek`) the KEK."""
    say = progress or (lambda message: None)
    vendor = _vendor(alias)
    if vendor not in {"sqlite", "postgresql"}:
        raise BackupError(
            _("Backups are made of SQLite and PostgreSQL databases, not %(vendor)s.") % {"vendor": vendor}
        )
    output = Path(output) if output else default_output()
    output.parent.mkdir(parents=True, exist_ok=True)
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix=".doluong-backup-", dir=output.parent) as scratch:
        scratch_dir = Path(scratch)
        if vendor == "sqlite":
            member = SQLITE_MEMBER
            dump = scratch_dir / "doluong.sqlite3"
            say(_("Copying the SQLite database (online backup)…"))
            _sqlite_dump(dump, alias)
            migrations = _sqlite_migrations(dump)
        else:
            member = PG_MEMBER
            dump = scratch_dir / "doluong.pgdump"
            say(_("Dumping the PostgreSQL database with pg_dump…"))
            migrations = applied_migrations(alias)
            _pg_dump(dump, alias)
        files = [(member, dump), *_media_files(media_root())]
        if include_kek:
            keys = kek_files()
            if not keys:
                notes.append(
                    _("No key-encryption key file was found in %(folder)s: the archive holds no KEK.")
                    % {"folder": keys_dir()}
                )
            if os.environ.get("DOLUONG_KEK"):
                notes.append(
                    _("The KEK given in the DOLUONG_KEK variable is not a file and is not in the archive.")
                )
            files.extend(keys)
        say(_("Hashing %(count)s files…") % {"count": len(files)})
        entries = [_entry(name, path) for name, path in files]
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "doluong_version": doluong_version(),
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "database": {"vendor": vendor, "file": member},
            "migrations": migrations,
            "includes_kek": any(e["path"].startswith(KEYS_PREFIX) for e in entries),
            "files": entries,
        }
        partial = scratch_dir / "archive.tar.gz"
        with tarfile.open(partial, "w:gz") as archive:
            for (name, path), entry in zip(files, entries, strict=True):
                _add_file(archive, name, path, entry)
            body = json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8")
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(body)
            info.mtime = int(dt.datetime.now(dt.UTC).timestamp())
            info.mode = 0o644
            archive.addfile(info, io.BytesIO(body))
        os.chmod(partial, 0o600)
        os.replace(partial, output)
    return Result(path=output, manifest=manifest, size=output.stat().st_size, notes=notes)


# ------------------------------------------------------------------------------------------- restore


def _safe_name(name: str) -> bool:
    path = PurePosixPath(name)
    return bool(name) and not path.is_absolute() and ".." not in path.parts and "\\" not in name


def read_archive(path: Path | str, scratch: Path) -> dict:
    """Unpack the archive into `scratch` and check it against its manifest; returns the manifest.

    Refused (BackupError): not a doluong backup, an unknown format version, a member that is not a plain file or
    folder or points outside the archive, a file missing from the manifest or the manifest naming a missing
    file, a size or SHA-256 that does not match."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(_("No file “%(name)s”.") % {"name": path})
    found: dict[str, dict] = {}
    manifest_bytes = None
    try:
        with tarfile.open(path, "r:gz") as archive:
            for member in archive:
                if member.isdir():
                    continue
                if not member.isfile() or not _safe_name(member.name):
                    raise BackupError(
                        _(
                            "The archive holds “%(name)s”, which is not a plain file inside the archive: refused."
                        )
                        % {"name": member.name}
                    )
                if member.name in found or (member.name == MANIFEST and manifest_bytes is not None):
                    raise BackupError(
                        _("The archive holds “%(name)s” twice: refused.") % {"name": member.name}
                    )
                stream = archive.extractfile(member)
                if member.name == MANIFEST:
                    manifest_bytes = stream.read(10 * 1024 * 1024)
                    continue
                target = scratch / member.name
                target.parent.mkdir(parents=True, exist_ok=True)
                digest = hashlib.sha256()
                size = 0
                with open(target, "wb") as out:
                    while block := stream.read(CHUNK):
                        digest.update(block)
                        size += len(block)
                        out.write(block)
                found[member.name] = {"size": size, "sha256": digest.hexdigest()}
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
        raise BackupError(
            _("“%(name)s” is not a readable backup archive (%(error)s).") % {"name": path, "error": exc}
        ) from exc
    if manifest_bytes is None:
        raise BackupError(_("The archive has no manifest.json: it is not a doluong backup."))
    try:
        manifest = json.loads(manifest_bytes.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BackupError(
            _("The manifest of the archive is not valid JSON: %(error)s") % {"error": exc}
        ) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(_("The archive has no manifest.json: it is not a doluong backup."))
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            _("The backup has format version %(found)s; this doluong reads version %(known)s.")
            % {"found": manifest.get("format_version"), "known": FORMAT_VERSION}
        )
    listed = {}
    for entry in manifest.get("files") or []:
        if not isinstance(entry, dict) or not _safe_name(str(entry.get("path", ""))):
            raise BackupError(_("The manifest lists a file outside the archive: refused."))
        listed[entry["path"]] = entry
    for name in sorted(set(found) - set(listed)):
        raise BackupError(
            _("“%(name)s” is in the archive but not in its manifest: refused.") % {"name": name}
        )
    for name, entry in sorted(listed.items()):
        got = found.get(name)
        if got is None:
            raise BackupError(
                _("“%(name)s” is in the manifest but missing from the archive.") % {"name": name}
            )
        if got["size"] != entry.get("size") or got["sha256"] != entry.get("sha256"):
            raise BackupError(
                _(
                    "“%(name)s” does not match its SHA-256 in the manifest: the archive is damaged or was changed."
                )
                % {"name": name}
            )
    database = manifest.get("database") or {}
    if database.get("file") not in listed:
        raise BackupError(_("The archive holds no database."))
    return manifest


def check_migrations(manifest: dict) -> list[str]:
    """Refuse a backup whose database has migrations this code does not know (made by a newer doluong);
    return the (app, name) of the code's migrations the backup lacks (run `migrate` after the restore)."""
    known = _code_migrations()
    newer = sorted(
        f"{app}.{name}"
        for app, names in (manifest.get("migrations") or {}).items()
        for name in names
        if (app, name) not in known
    )
    if newer:
        shown = ", ".join(newer[:10]) + (" …" if len(newer) > 10 else "")
        raise BackupError(
            _(
                "The backup was made by a newer doluong: its database has migrations this version does not have "
                "(%(migrations)s). Install the version that made it (%(version)s) or newer, then restore."
            )
            % {"migrations": shown, "version": manifest.get("doluong_version", "?")}
        )
    applied = {(app, name) for app, names in (manifest.get("migrations") or {}).items() for name in names}
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    return sorted(f"{a}.{n}" for a, n in loader.graph.nodes if (a, n) not in applied)


def _replace_tree(source: Path | None, target: Path) -> None:
    """Make `target` hold exactly the files of `source` (None: no files): a rename when both are on one file
    system, else emptied and copied."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if source is None:
        source = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        try:
            os.replace(target, old)
        except OSError:  # a mount point, or another file system: empty it in place and copy
            for child in target.iterdir():
                shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()
            shutil.copytree(source, target, dirs_exist_ok=True)
            return
    try:
        os.replace(source, target)
    except OSError:
        shutil.copytree(source, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _restore_keys(scratch: Path, manifest: dict, force: bool) -> int:
    names = [e["path"] for e in manifest["files"] if e["path"].startswith(KEYS_PREFIX)]
    root = keys_dir()
    for name in names:
        target = root / name[len(KEYS_PREFIX) :]
        if target.exists() and not force and sha256_file(target) != sha256_file(scratch / name):
            raise BackupError(
                _(
                    "%(path)s exists and differs from the key in the backup: restore with --force to replace it."
                )
                % {"path": target}
            )
    for name in names:
        target = root / name[len(KEYS_PREFIX) :]
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(target.parent, 0o700)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        with os.fdopen(fd, "wb") as out, open(scratch / name, "rb") as src:
            shutil.copyfileobj(src, out)
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
    return len(names)


def restore_backup(
    path: Path | str,
    *,
    force: bool = False,
    check_only: bool = False,
    alias: str = DEFAULT_DB_ALIAS,
    progress: Callable[[str], None] | None = None,
) -> Result:
    """Check the archive completely, then restore the database into the configured one, then MEDIA_ROOT, then
    (if the archive holds it) the KEK."""
    say = progress or (lambda message: None)
    media = media_root()
    scratch_parent = media.parent if media.parent.is_dir() else data_dir()
    scratch_parent.mkdir(parents=True, exist_ok=True)
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix=".doluong-restore-", dir=scratch_parent) as scratch:
        scratch_dir = Path(scratch)
        say(_("Checking the archive and its SHA-256 hashes…"))
        manifest = read_archive(path, scratch_dir)
        vendor = _vendor(alias)
        backup_vendor = manifest["database"].get("vendor")
        if backup_vendor != vendor:
            raise BackupError(
                _("The backup holds a %(backup)s database but the configured database is %(configured)s.")
                % {"backup": backup_vendor, "configured": vendor}
            )
        expected = SQLITE_MEMBER if vendor == "sqlite" else PG_MEMBER
        if manifest["database"].get("file") != expected:
            raise BackupError(_("The archive holds no database."))
        missing = check_migrations(manifest)
        if not force:
            if not is_database_empty(alias):
                raise BackupError(
                    _(
                        "The configured database already holds data: restore with --force to replace it "
                        "(everything in it is lost)."
                    )
                )
            if _has_files(media):
                raise BackupError(
                    _("%(folder)s already holds files: restore with --force to replace them.")
                    % {"folder": media}
                )
        result = Result(path=Path(path), manifest=manifest, size=Path(path).stat().st_size, notes=notes)
        if check_only:
            return result
        say(_("Restoring the database…"))
        if vendor == "sqlite":
            _sqlite_restore(scratch_dir / expected, alias)
        else:
            _pg_restore(scratch_dir / expected, alias)
        connections[alias].close()
        say(_("Restoring the uploaded files into %(folder)s…") % {"folder": media})
        media_source = scratch_dir / MEDIA_PREFIX.rstrip("/")
        _replace_tree(media_source if media_source.is_dir() else None, media)
        if manifest.get("includes_kek"):
            count = _restore_keys(scratch_dir, manifest, force)
            notes.append(
                _("%(count)s key file(s) restored into %(folder)s.") % {"count": count, "folder": keys_dir()}
            )
        elif not os.environ.get("DOLUONG_KEK") and not kek_files():
            notes.append(
                _(
                    "The backup holds no key-encryption key: put the site's KEK in place (DOLUONG_KEK, "
                    "DOLUONG_KEK_FILE or %(folder)s) before issuing certificates."
                )
                % {"folder": keys_dir()}
            )
        if missing:
            notes.append(
                _("The backup predates %(count)s migration(s) of this version: run “doluong manage migrate”.")
                % {"count": len(missing)}
            )
    return result
