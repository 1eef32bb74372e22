"""The whole API under a fuzzer: schemathesis generates requests from the OpenAPI schema the site serves
(/api/schema/) and sends them to the WSGI application in this process (no network, no live server), as the
administrator and as a provider's staff member (`ct.kiemdinh`), reads and writes alike.

Each case runs in a savepoint that is rolled back, so a POST/PUT/PATCH/DELETE changes nothing for the next case or
test. Path ids come from the demo: objects the persona may see and, for the scoped persona, objects it may not
(another province's). A 400/403/404 is a fine answer; a 5xx is a bug, and so is a documented response whose body
does not match the schema. Reproducible: hypothesis is derandomized; bounded by MAX_EXAMPLES per operation.

Run with `-s` to see the case and error counts.
"""

from __future__ import annotations

import os
import re
import time
from collections import Counter
from dataclasses import dataclass, field

import pytest

hypothesis = pytest.importorskip("hypothesis")
schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

pytestmark = pytest.mark.django_db

#: generated cases per operation and persona (positive and negative data alike); DOLUONG_FUZZ_EXAMPLES raises it
#: for a longer hunt
MAX_EXAMPLES = int(os.environ.get("DOLUONG_FUZZ_EXAMPLES") or 4)
SCHEMA_URL = "/api/schema/?format=json"
PERSONAS = ["admin", "ct.kiemdinh"]


@dataclass
class Tally:
    cases: int = 0
    statuses: Counter = field(default_factory=Counter)
    server_errors: list = field(default_factory=list)
    schema_errors: list = field(default_factory=list)


#: the traceback of the last exception a request raised (Django's got_request_exception)
LAST_EXCEPTION: list[str] = []


def _remember_exception(sender, request=None, **kwargs):
    import traceback

    LAST_EXCEPTION[:] = [traceback.format_exc(limit=-4)]


@pytest.fixture
def wsgi_app():
    """The site's WSGI application, with Django's per-request connection closing switched off (as the test client
    does): the requests must run inside the test's transaction."""
    import logging

    from django.core import signals
    from django.core.wsgi import get_wsgi_application
    from django.db import close_old_connections

    # Django's WSGI handler, as doluong.wsgi builds it, without that module's start-up refusal of the insecure
    # development SECRET_KEY (the suite runs on it; tests/verification/test_secrets.py tests the refusal)
    application = get_wsgi_application()

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    signals.got_request_exception.connect(_remember_exception)
    request_log = logging.getLogger("django.request")
    level = request_log.level
    request_log.setLevel(logging.CRITICAL)  # thousands of 4xx lines; the 5xx are collected and printed below
    try:
        yield application
    finally:
        request_log.setLevel(level)
        signals.got_request_exception.disconnect(_remember_exception)
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _ids_by_prefix(user, others) -> dict[str, list]:
    """For each API list prefix: a few primary keys the user may see, and a few it may not."""
    from doluong.urls import router

    ids: dict[str, list] = {}
    for prefix, viewset, _basename in router.registry:
        surface = viewset.surface
        mine = list(surface.queryset(user, "view").order_by("pk").values_list("pk", flat=True)[:2])
        theirs = list(
            surface.model.objects.exclude(pk__in=mine).order_by("-pk").values_list("pk", flat=True)[:1]
            if others
            else []
        )
        ids[prefix] = [*mine, *theirs] or [1]
    return ids


def _prefix(path: str) -> str:
    return re.sub(r"^/api/", "", path).split("/{", 1)[0].rstrip("/")


def fuzz(schema, username: str, user_for) -> Tally:
    from django.db import transaction
    from rest_framework.authtoken.models import Token
    from schemathesis import GenerationMode
    from schemathesis.core.failures import FailureGroup
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
    )

    user = user_for(username)
    token, _created = Token.objects.get_or_create(user=user)
    headers = {"Authorization": f"Token {token.key}"}
    ids = _ids_by_prefix(user, others=not user.is_superuser)
    tally = Tally()

    for result in schema.get_all_operations():
        operation = result.ok()
        strategies = []
        params = [p.name for p in operation.path_parameters]
        choices = ids.get(_prefix(operation.path), [1]) if params else [None]
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            for pk in choices:
                fixed = {name: pk for name in params} if pk is not None else None
                strategies.append(operation.as_strategy(generation_mode=mode, path_parameters=fixed))

        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=st.one_of(strategies))
        def run(case):
            tally.cases += 1
            LAST_EXCEPTION.clear()
            with transaction.atomic():
                response = case.call(headers=headers)
                transaction.set_rollback(True)
            tally.statuses[response.status_code] += 1
            label = f"{case.method.upper()} {case.formatted_path} {case.query or ''}"
            if response.status_code >= 500:
                cause = "".join(LAST_EXCEPTION) or response.text[:300]
                tally.server_errors.append((f"{label} body={case.body!r:.300}", response.status_code, cause))
                return
            try:
                case.validate_response(
                    response, checks=[content_type_conformance, response_schema_conformance], headers=headers
                )
            except FailureGroup as exc:
                tally.schema_errors.append((label, response.status_code, str(exc)[:600]))

        run()
    return tally


@pytest.mark.parametrize("username", PERSONAS)
def test_the_api_never_answers_with_a_server_error(username, wsgi_app, user_for):
    schema = schemathesis.openapi.from_wsgi(SCHEMA_URL, wsgi_app)
    operations = sum(1 for _ in schema.get_all_operations())
    started = time.perf_counter()
    tally = fuzz(schema, username, user_for)
    elapsed = time.perf_counter() - started
    print(
        f"\nfuzz {username}: {operations} operations, {tally.cases} cases in {elapsed:.0f} s, "
        f"{len(tally.server_errors)} server errors, {len(tally.schema_errors)} schema mismatches; "
        f"statuses {dict(sorted(tally.statuses.items()))}"
    )
    for label, status, cause in tally.server_errors[:30]:
        print(f"  {status} {label}\n{cause}")
    for label, status, text in tally.schema_errors[:30]:
        print(f"  schema: {status} {label}\n      {text}")
    assert tally.cases >= operations
    assert tally.server_errors == []
    assert tally.schema_errors == []
