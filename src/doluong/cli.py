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


def _serve(port: int, host: str, workers: int, *, with_worker: bool = True) -> int:
    """gunicorn and, beside it, one `doluong worker` (the background jobs), as child processes of this one: one
    command starts everything, and stopping it (Ctrl+C, SIGTERM) stops both. A worker that dies is started
    again; when gunicorn ends, the worker is stopped and its exit status is ours."""
    import signal
    import subprocess
    import time

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
    if not with_worker:
        os.execv(sys.executable, args)
    worker_args = [sys.executable, "-m", "doluong.cli", "worker"]
    web = subprocess.Popen(args)
    worker = subprocess.Popen(worker_args)
    print(f"doluong: background worker started (pid {worker.pid})", flush=True)
    stopping = False

    def stop(signum, frame):
        nonlocal stopping
        stopping = True
        for child in (web, worker):
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while web.poll() is None:
            if worker.poll() is not None and not stopping:
                print(
                    f"doluong: the worker stopped (status {worker.returncode}); starting it again", flush=True
                )
                time.sleep(1)
                worker = subprocess.Popen(worker_args)
            time.sleep(0.5)
    finally:
        stop(None, None)
        for child in (web, worker):
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
    return web.returncode or 0


def _worker(argv: list[str]) -> int:
    from django.core.management import call_command

    call_command("worker", *argv)
    return 0


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
    serve.add_argument(
        "--no-worker",
        action="store_true",
        help="serve only (the background worker runs apart, e.g. under systemd)",
    )

    sub.add_parser(
        "worker",
        help="run the background jobs (the database queue): doluong worker [--interval S] …",
        add_help=False,
    )

    sub.add_parser("manage", help="Django's management commands: doluong manage <command> …", add_help=False)

    if argv and argv[0] == "manage":
        _django_setup()
        from django.core.management import execute_from_command_line

        execute_from_command_line(["doluong manage", *argv[1:]])
        return 0

    if argv and argv[0] == "worker":
        _django_setup()
        return _worker(argv[1:])

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
        return _serve(args.port, args.host, args.workers, with_worker=not args.no_worker)
    parser.error(f"unknown command {args.command}")  # pragma: no cover
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
