"""What the screenshots of the assurance pages showed had to change (issue #14, item 8): a survey answer offers
"Thêm tệp bằng chứng" to whoever may change it (and to no one else), the add form comes with the answer chosen;
related lists are headed with a capital; a checklist row's label is cut at a word; the calibration plan shows
each line done, next to its planned date, with a link to the record that fulfilled it."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from doluong.assurance.models import CalibrationPlan, ChecklistItem, PlanLine, Survey

pytestmark = pytest.mark.django_db
WATER = "ct.doanhnghiep"
ADD = "Thêm tệp bằng chứng"


def _answer(user_for):
    org = user_for(WATER).memberships.get().organisation
    survey = Survey.objects.filter(enterprise=org).order_by("-surveyed_on", "-pk").first()
    return survey.answers.get(item__code="A1")


def test_answer_offers_adding_evidence_only_to_who_may_change_it(client_for, user_for):
    answer = _answer(user_for)
    url = f"{reverse('assurance:surveyevidence_add')}?answer={answer.pk}"
    for who in (WATER, "ct.sokhcn"):
        page = client_for(who).get(answer.get_absolute_url()).content.decode()
        assert ADD in page and url in page.replace("&amp;", "&"), who
        assert "Tệp bằng chứng" in page  # the related list's title, capitalised
    form = client_for(WATER).get(url).content.decode()
    chosen = re.search(rf'<option value="{answer.pk}"[^>]*selected[^>]*>([^<]*)</option>', form)
    assert chosen and f"{answer.survey.surveyed_on:%d/%m/%Y} · A1: " in chosen.group(1)
    for who in ("ct.chatluong", "dt.sokhcn"):  # another enterprise, another province
        r = client_for(who).get(answer.get_absolute_url())
        assert r.status_code in (403, 404) and ADD not in r.content.decode()


def test_checklist_row_label_is_cut_at_a_word():
    item = ChecklistItem.objects.filter(checklist__version=1).get(code="A1")
    assert len(item.text) > 80
    label = str(item)
    assert label.endswith("…")
    shown = label[len("A1. ") : -1]
    assert item.text.startswith(shown) and item.text[len(shown)] in " ,;:."
    item.text = "Ngắn gọn"
    assert str(item) == "A1. Ngắn gọn"


def test_plan_shows_each_done_line_with_its_record(client_for, user_for):
    org = user_for(WATER).memberships.get().organisation
    plan = CalibrationPlan.objects.get(enterprise=org, year=2026)
    page = client_for(WATER).get(plan.get_absolute_url()).content.decode()
    done = list(plan.lines.filter(done_on__isnull=False))
    assert done
    for line in done:
        row = re.search(
            rf'<a href="{line.get_absolute_url()}">{line.planned_on:%d/%m/%Y}</a></td>\s*<td[^>]*>(.*?)</td>',
            page,
            re.S,
        )
        assert row, line
        cell = row.group(1)
        assert (
            "✓" in cell
            and line.fulfilled_by.get_absolute_url() in cell
            and f"{line.done_on:%d/%m/%Y}" in cell
        )
    # the group is a badge beside the item (no column of its own: the cost column stays on a desktop screen)
    groups = {f"Nhóm {line.equipment.group}" for line in plan.lines.select_related("equipment")}
    assert all(f">{g}</span>" in page for g in groups) and "<th>Nhóm</th>" not in page
    for line in plan.lines.filter(done_on__isnull=True):
        row = re.search(
            rf'<a href="{line.get_absolute_url()}">[^<]*</a></td>\s*<td[^>]*>(.*?)</td>', page, re.S
        )
        assert row and row.group(1).strip() == "—"


def _stacked_tables(html: str) -> list[str]:
    return re.findall(r'<table class="[^"]*\bstack-sm\b[^"]*">(.*?)</table>', html, re.S)


def _cells_without_label(table: str) -> list[str]:
    """The body cells, but each row's first (the block's title on a phone), that carry no data-label."""
    body = table.split("<tbody>", 1)[1]
    missing = []
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = re.findall(r"<td([^>]*)>", row)
        if len(cells) == 1 and "colspan" in cells[0]:
            continue  # "Chưa có."
        missing += [c for c in cells[1:] if 'data-label="' not in c]
    return missing


@pytest.mark.parametrize(
    ("username", "url", "tables"), [("ct.tuvan", "/", 1), ("ct.kiemdinh", "/assurance/provider/", 3)]
)
def test_the_consultants_panel_and_the_providers_tables_stack_on_a_phone(client_for, username, url, tables):
    """On a phone (390 px) these tables read as one block per row, each cell under its Vietnamese heading, as
    the inspection targets page does (the screenshots scrolled sideways before)."""
    html = client_for(username).get(url).content.decode()
    stacked = _stacked_tables(html)
    assert len(stacked) == tables
    assert html.count("table.stack-sm thead { display: none; }") == 1
    assert all("<td" in t and not _cells_without_label(t) for t in stacked)
    labels = set(re.findall(r'data-label="([^"]+)"', "".join(stacked)))
    assert labels and all(label[0].isupper() for label in labels)
    assert {"Tư vấn từ ngày", "Chi phí"} & labels


def test_the_providers_costs_are_grouped_vietnamese_style(client_for, user_for):
    lab = user_for("ct.kiemdinh").memberships.get().organisation
    line = PlanLine.objects.filter(provider=lab, done_on__isnull=True).order_by("pk").first()
    line.cost = 1234567
    line.save(update_fields=["cost"])
    html = client_for("ct.kiemdinh").get("/assurance/provider/").content.decode()
    assert "1.234.567" in html and "1,234,567" not in html and "1234567" not in html
