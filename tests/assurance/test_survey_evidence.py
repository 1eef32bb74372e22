"""Several evidence files per readiness survey answer (`SurveyEvidence`, issue #14 item 2): uploaded on the
answer's edit page (one or more files at once), listed with download links on the survey page, validated
(extension allow-list, the "attachment" size limit), with history and the answer's permissions: another
enterprise or another province's officer neither uploads, lists nor downloads."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from doluong.assurance.models import Survey, SurveyEvidence

pytestmark = pytest.mark.django_db

WATER = "ct.doanhnghiep"  # the demo water utility of Cần Thơ
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _answer(user_for, code="E2"):
    org = user_for(WATER).memberships.get().organisation
    survey = Survey.objects.filter(enterprise=org).order_by("-surveyed_on", "-pk").first()
    return survey.answers.get(item__code=code)


def _data(**over):
    data = {
        "value": "0.5",
        "evidence": "",
        "gap": "",
        "cause": "",
        "proposed_task": "",
        "owner": "",
        "deadline": "",
    }
    data.update(over)
    return data


def _pdf(name="quy-trinh.pdf", body=PDF):
    return SimpleUploadedFile(name, body, "application/pdf")


def test_upload_several_files_on_the_edit_page_and_list_them(client_for, user_for):
    answer = _answer(user_for)
    client = client_for(WATER)
    edit = reverse("assurance:surveyanswer_edit", args=[answer.pk])
    page = client.get(edit).content.decode()
    assert 'name="new_files"' in page and "multiple" in page
    before = SurveyEvidence.objects.count()
    r = client.post(
        edit,
        _data(
            new_files=[_pdf("quy-trinh-hieu-chuan.pdf"), _pdf("bien-ban-kiem-tra.pdf")],
            new_files_description="Quy trình và biên bản",
        ),
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    rows = list(SurveyEvidence.objects.filter(answer=answer).order_by("pk"))
    assert SurveyEvidence.objects.count() == before + 2 and len(rows) == 2
    user = user_for(WATER)
    for row in rows:
        assert row.uploaded_by == user and row.description == "Quy trình và biên bản"
        assert row.enterprise_id == answer.enterprise_id and row.province_id == answer.province_id
        assert row.history.count() == 1 and row.history.first().history_user == user
    answer.refresh_from_db()
    assert answer.value == "0.5"
    # a second upload adds to them (several files per answer)
    r = client.post(edit, _data(new_files=_pdf("anh-chup.pdf")))
    assert r.status_code == 302 and SurveyEvidence.objects.filter(answer=answer).count() == 3
    # the survey page lists each file with its download link; the download gives the bytes as an attachment
    survey_page = client.get(answer.survey.get_absolute_url()).content.decode()
    for row in rows:
        assert row.filename in survey_page
        assert reverse("assurance:evidence_download", args=[row.pk]) in survey_page
    download = client.get(reverse("assurance:evidence_download", args=[rows[0].pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert "attachment" in download["Content-Disposition"]
    # the province's officer reads and downloads them, and may add one (the answer's permissions)
    officer = client_for("ct.sokhcn")
    assert rows[0].filename in officer.get(answer.survey.get_absolute_url()).content.decode()
    assert officer.get(reverse("assurance:evidence_download", args=[rows[0].pk])).status_code == 200
    assert officer.post(edit, _data(new_files=_pdf("so-kiem-tra.pdf"))).status_code == 302
    assert SurveyEvidence.objects.filter(answer=answer).count() == 4


def test_bad_files_refused_in_vietnamese_nothing_written(client_for, user_for):
    answer = _answer(user_for)
    client = client_for(WATER)
    edit = reverse("assurance:surveyanswer_edit", args=[answer.pk])
    before = SurveyEvidence.objects.count()
    value = answer.value
    r = client.post(edit, _data(value="1", new_files=SimpleUploadedFile("chay.exe", b"MZ\x90\x00", "x")))
    assert r.status_code == 200 and "Không nhận tệp loại “exe”" in r.content.decode()
    limits = {**settings.DOLUONG_UPLOAD_LIMITS, "attachment": 40}
    with override_settings(DOLUONG_UPLOAD_LIMITS=limits):
        r = client.post(edit, _data(value="1", new_files=_pdf("lon.pdf", PDF + b"x" * 100)))
        assert r.status_code == 200 and "tệp loại này chỉ được tối đa" in r.content.decode()
    # one bad file among good ones: none is kept
    r = client.post(edit, _data(value="1", new_files=[_pdf(), SimpleUploadedFile("a.bat", b"x", "x")]))
    assert r.status_code == 200
    assert SurveyEvidence.objects.count() == before
    answer.refresh_from_db()
    assert answer.value == value


@pytest.mark.parametrize("other", ["ct.chatluong", "dt.doanhnghiep", "dt.sokhcn", "ct.kiemdinh"])
def test_other_enterprises_and_provinces_refused(client_for, user_for, other):
    answer = _answer(user_for)
    owner = client_for(WATER)
    edit = reverse("assurance:surveyanswer_edit", args=[answer.pk])
    assert owner.post(edit, _data(new_files=_pdf("cua-toi.pdf"))).status_code == 302
    mine = SurveyEvidence.objects.get(answer=answer)
    before = SurveyEvidence.objects.count()
    client = client_for(other)
    assert client.post(edit, _data(new_files=_pdf("la.pdf"))).status_code == 404
    r = client.post(reverse("assurance:surveyevidence_add"), {"answer": answer.pk, "file": _pdf("la.pdf")})
    assert r.status_code in (200, 403, 404)
    r = client.post("/api/assurance/survey-evidence/", {"answer": answer.pk, "file": _pdf("la.pdf")})
    assert r.status_code in (400, 403, 404)
    assert SurveyEvidence.objects.count() == before
    assert client.get(reverse("assurance:evidence_download", args=[mine.pk])).status_code == 404
    assert client.get(mine.get_absolute_url()).status_code == 404
    assert client.post(reverse("assurance:surveyevidence_delete", args=[mine.pk])).status_code == 404
    assert SurveyEvidence.objects.filter(pk=mine.pk).exists()
    page = client.get(answer.survey.get_absolute_url())
    assert page.status_code == 404 or mine.filename not in page.content.decode()
