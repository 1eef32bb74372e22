"""The `doluong` console command: demo, serve and Django's management commands."""

from __future__ import annotations

import argparse
import os
import sys


def _django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doluong.settings")
    import django

    django.setup()


def _demo_secret_key() -> None:
    """The demo serves with DEBUG=0 like production, so it needs a real SECRET_KEY: one is made once and kept in
    DOLUONG_SECRET_KEY_FILE (default DATA_DIR/secret_key, 0600), where the settings read it."""
    import secrets
    from pathlib import Path

    if os.environ.get("SECRET_KEY"):
        return
    data_dir = Path(os.environ.get("DOLUONG_DATA_DIR") or Path.cwd() / "var")
    path = Path(os.environ.get("DOLUONG_SECRET_KEY_FILE") or data_dir / "secret_key")
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_urlsafe(50) + "\n")


def _serve(port: int, host: str, workers: int) -> int:
    from django.conf import settings
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    bind = f"{host}:{port}"
    print(f"doluong: serving on http://{bind}/  (Ctrl+C to stop)", flush=True)
    args = [
        sys.executable,
        "-m",
        "gunicorn",
        "doluong.wsgi:application",
        "--bind",
        bind,
        "--workers",
        str(workers),
        "--access-logfile",
        "-",
        "--timeout",
        "120",
    ]
    if settings.DEBUG:
        args.append("--reload")
    os.execv(sys.executable, args)
    return 0  # pragma: no cover - execv does not return


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(
        prog="doluong", description="doluong — nền tảng đo lường số (digital metrology platform)"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="build the demo database (SQLite) and serve it")
    demo.add_argument("--no-serve", action="store_true", help="build the demo database only")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--instruments", type=int, default=20000, help="number of demo instruments")

    serve = sub.add_parser("serve", help="serve the site with gunicorn")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--workers", type=int, default=2)

    sub.add_parser("manage", help="Django's management commands: doluong manage <command> …", add_help=False)

    if argv and argv[0] == "manage":
        _django_setup()
        from django.core.management import execute_from_command_line

        execute_from_command_line(["doluong manage", *argv[1:]])
        return 0

    args = parser.parse_args(argv)
    if args.command == "demo":
        _demo_secret_key()
    _django_setup()
    from django.core.management import call_command

    if args.command == "demo":
        call_command("demo", instruments=args.instruments)
        if args.no_serve:
            return 0
        return _serve(args.port, args.host, workers=2)
    if args.command == "serve":
        return _serve(args.port, args.host, args.workers)
    parser.error(f"unknown command {args.command}")  # pragma: no cover
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
