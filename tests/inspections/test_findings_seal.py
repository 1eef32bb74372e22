"""Findings with candidate provisions and fine bands, remedies and the automatic follow-up, a full campaign
through web POSTs, the stop-use order on the public check, the seal (a changed photo byte is detected), the
evidence bundle, and the refusals (another province, a fine outside the band, an edit after sealing, a file that
is not an image)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from doluong.core.scope import principal
from doluong.geo.models import Commune
from doluong.inspections import seal as sealing
from doluong.inspections.models import (
    Campaign,
    Correction,
    Finding,
    Inspection,
    InstrumentCheck,
    Photo,
    Remedy,
    SanctionProvision,
    Site,
    commune_ceiling,
)
from doluong.programs.models import Attendance, Training

pytestmark = pytest.mark.django_db


def _png(color=(200, 30, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), color).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def world(user_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    officer = user_for("ct.xa")
    commune = Commune.objects.get(pk=principal(officer).scopes[0].commune_id)
    training = Training.objects.create(
        province_id=commune.province_id,
        date=dt.date(2020, 3, 1),
        title="Tập huấn kiểm tra nhà nước về đo lường",
    )
    leader = Attendance.objects.create(training=training, full_name="Lê Minh Tâm")
    return dict(commune=commune, leader=leader)


def _dump(name: str, data: bytes) -> None:
    """INSPECT_DUMP=<folder>: keep the rendered documents to look at them."""
    import os

    folder = os.environ.get("INSPECT_DUMP")
    if folder:
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, name), "wb") as fh:
            fh.write(data)


def _d(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def _post(client, url, data, expect=302):
    r = client.post(url, data)
    assert r.status_code == expect, r.content.decode()[:3000]
    return r


def test_commune_ceiling_is_half_the_field_maximum():
    day = dt.date(2026, 1, 1)
    field_max = SanctionProvision.objects.get(code="AUTH-MAX").fine_max
    assert field_max == 100_000_000
    assert commune_ceiling(day, "individual") == 50_000_000
    assert commune_ceiling(day, "organisation") == 100_000_000


def test_full_campaign_from_plan_to_follow_up_through_the_web(world, client_for):
    province = client_for("ct.sokhcn")
    commune = world["commune"]
    _post(
        province,
        "/inspections/campaigns/add/",
        dict(
            province=commune.province_id,
            commune=commune.pk,
            kind="yearly",
            year=2026,
            title="Kế hoạch kiểm tra đo lường năm",
            start_date="01/01/2020",
            end_date="31/12/2030",
            leader_name="Lê Minh Tâm",
            leader_training=world["leader"].pk,
        ),
    )
    campaign = Campaign.objects.get(title="Kế hoạch kiểm tra đo lường năm")
    web = client_for("ct.xa")
    _post(web, "/inspections/sites/add/", dict(kind="market", name="Chợ Kiểm Tra", commune=commune.pk))
    market = Site.objects.get(name="Chợ Kiểm Tra")
    _post(
        web, "/inspections/sites/add/", dict(kind="stall", name="Sạp 7", parent=market.pk, commune=commune.pk)
    )
    stall = Site.objects.get(name="Sạp 7")
    day = dt.date(2026, 3, 10)
    _post(
        web,
        "/inspections/inspections/add/",
        dict(
            campaign=campaign.pk,
            site=stall.pk,
            date=_d(day),
            inspector="Lê Minh Tâm",
            person_present="Bà Năm",
        ),
    )
    visit = Inspection.objects.get(site=stall)
    # class III, e = 50 g, 10 kg: in-service limit 2 x 25 g = 50 g; +80 g is nonconforming
    _post(
        web,
        "/inspections/checks/add/",
        dict(
            inspection=visit.pk,
            kind="nawi",
            found_unregistered="Cân đồng hồ 15 kg",
            accuracy_class="III",
            e="50",
            max_capacity="15000",
            reference="10000",
            indicated="10080",
        ),
    )
    check = InstrumentCheck.objects.get(inspection=visit)
    assert check.verdict == "fail" and check.limit == 50
    provision = SanctionProvision.objects.get(code="V14-2-1")  # 5 000 000 – 10 000 000
    finding_data = dict(
        inspection=visit.pk,
        instrument_check=check.pk,
        code="error_scale",
        description="Cân thiếu 80 g ở 10 kg",
        offender="individual",
        provision=provision.pk,
        sanction="fine",
        proposed_fine="6000000",
    )
    _post(web, "/inspections/findings/add/", finding_data)
    finding = Finding.objects.get(inspection=visit)
    assert finding.competent == "commune_chairman" and not finding.confirmed
    page = web.get(f"/inspections/findings/{finding.pk}/").content.decode()
    assert "V14-2-1" in page and "V14-2-2" in page and "5.000.000" in page  # candidates with their bands
    # the legal officer's confirmation
    _post(
        web,
        f"/inspections/findings/{finding.pk}/edit/",
        {**finding_data, "legal_officer": "Trần Pháp Chế", "confirmed_on": _d(day + dt.timedelta(days=2))},
    )
    finding.refresh_from_db()
    assert finding.confirmed
    # the remedy schedules the follow-up inspection on its deadline
    _post(web, "/inspections/remedies/add/", dict(finding=finding.pk, kind="reverify", days="15"))
    remedy = Remedy.objects.get(finding=finding)
    assert remedy.due_date == day + dt.timedelta(days=15)
    follow = Inspection.objects.get(follow_up_of=visit)
    assert remedy.follow_up == follow and follow.date == remedy.due_date and follow.site == stall
    # a photo, then the inspection is completed and sealed
    _post(
        web,
        "/inspections/photos/add/",
        dict(
            inspection=visit.pk,
            caption="Tem kiểm định",
            file=SimpleUploadedFile("a.png", _png(), "image/png"),
        ),
    )
    _post(web, f"/inspections/inspections/{visit.pk}/seal/", {})
    visit.refresh_from_db()
    assert visit.is_sealed and visit.seal_hash == sealing.digest(visit)
    assert "Nguyên vẹn" in web.get(f"/inspections/inspections/{visit.pk}/verify/").content.decode()
    # the inspection record (biên bản) and a lot's check sheet as PDF
    _post(
        web,
        "/inspections/lots/add/",
        dict(
            inspection=follow.pk,
            product="Đường túi 1 kg",
            place="market",
            quantity_kind="mass",
            unit="g",
            nominal="1000",
            lot_size="300",
            sample=" ".join(["1000"] * 48 + ["975", "990"]),
        ),
    )
    pdf = web.get(f"/inspections/inspections/{visit.pk}/record.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    lot = follow.lots.get()
    sheet = web.get(f"/inspections/lots/{lot.pk}/sheet.pdf")
    assert sheet.status_code == 200 and sheet.content.startswith(b"%PDF")
    _dump("bien-ban.pdf", pdf.content)
    _dump("phieu-lo.pdf", sheet.content)
    # the follow-up visit: the re-verified scale conforms; sealed in turn
    _post(
        web,
        "/inspections/checks/add/",
        dict(
            inspection=follow.pk,
            kind="nawi",
            found_unregistered="Cân đồng hồ 15 kg",
            accuracy_class="III",
            e="50",
            max_capacity="15000",
            reference="10000",
            indicated="10020",
        ),
    )
    assert InstrumentCheck.objects.get(inspection=follow).verdict == "pass"
    _post(
        web,
        f"/inspections/remedies/{remedy.pk}/edit/",
        dict(finding=finding.pk, kind="reverify", days="15", completed_on=_d(follow.date)),
    )
    _post(web, f"/inspections/inspections/{follow.pk}/seal/", {})
    follow.refresh_from_db()
    assert follow.is_sealed
    # another province's officer: refused on the web and the API, nothing written
    other = client_for("dt.sokhcn")
    before = (Finding.objects.count(), Remedy.objects.count(), Correction.objects.count())
    r = other.post("/inspections/findings/add/", {**finding_data, "description": "X"})
    assert r.status_code in (200, 403, 404)
    assert other.post("/api/inspections/findings/", {**finding_data, "description": "X"}).status_code in (
        400,
        403,
    )
    assert other.post(
        "/api/inspections/remedies/", dict(finding=finding.pk, kind="reverify", days=5)
    ).status_code in (400, 403)
    assert other.post(f"/inspections/inspections/{follow.pk}/seal/", {}).status_code == 404
    assert other.get(f"/api/inspections/findings/{finding.pk}/").status_code == 404
    assert other.get(f"/inspections/inspections/{visit.pk}/bundle.zip").status_code == 404
    assert (Finding.objects.count(), Remedy.objects.count(), Correction.objects.count()) == before


@pytest.fixture
def visit(world):
    commune = world["commune"]
    campaign = Campaign.objects.create(
        province_id=commune.province_id,
        commune=commune,
        kind="thematic",
        year=2026,
        title="Chuyên đề cân",
        start_date=dt.date(2020, 1, 1),
        end_date=dt.date(2030, 12, 31),
        leader_name="Lê Minh Tâm",
        leader_training=world["leader"],
    )
    site = Site.objects.create(kind="shop", name="Cửa hàng Ba", commune=commune)
    visit = Inspection.objects.create(campaign=campaign, site=site, date=dt.date(2026, 5, 4), inspector="Tâm")
    check = InstrumentCheck(
        inspection=visit,
        kind="nawi",
        found_unregistered="Cân 15 kg",
        accuracy_class="III",
        e=50,
        max_capacity=15000,
        reference=10000,
        indicated=10090,
    )
    check.full_clean()
    check.save()
    return visit


def _finding(visit, **kw):
    data = dict(
        inspection=visit.pk,
        instrument_check=visit.checks.get().pk,
        code="error_scale",
        description="Cân thiếu",
        offender="individual",
        provision=SanctionProvision.objects.get(code="V14-2-1").pk,
        sanction="fine",
        proposed_fine="6000000",
    )
    data.update(kw)
    return data


@pytest.mark.parametrize("fine", ["4999999", "10000001"])
def test_fine_outside_the_band_refused_web_and_api(visit, client_for, fine):
    client = client_for("ct.xa")
    r = client.post("/api/inspections/findings/", _finding(visit, proposed_fine=fine))
    assert r.status_code == 400 and "trong khung" in r.content.decode()
    page = client.post("/inspections/findings/add/", _finding(visit, proposed_fine=fine))
    assert page.status_code == 200 and "trong khung" in page.content.decode()
    assert not Finding.objects.filter(inspection=visit).exists()


def test_province_chairman_above_the_commune_ceiling(visit, client_for):
    client = client_for("ct.xa")
    big = SanctionProvision.objects.get(code="V14-2-4")  # 40 000 000 – 60 000 000
    r = client.post("/api/inspections/findings/", _finding(visit, provision=big.pk, proposed_fine="55000000"))
    assert r.status_code == 201 and r.json()["competent"] == "province_chairman"
    r = client.post(
        "/api/inspections/findings/",
        _finding(visit, provision=big.pk, proposed_fine="55000000", offender="organisation"),
    )
    assert r.json()["competent"] == "commune_chairman"  # an organisation's ceiling is twice: 100 000 000


def _seal(visit, client):
    r = client.post(
        "/inspections/photos/add/",
        dict(inspection=visit.pk, caption="Mặt cân", file=SimpleUploadedFile("p.png", _png(), "image/png")),
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    assert client.post(f"/inspections/inspections/{visit.pk}/seal/", {}).status_code == 302
    visit.refresh_from_db()
    assert visit.is_sealed
    return Photo.objects.get(inspection=visit)


def test_seal_detects_a_changed_photo_byte_and_bundle_verifies(visit, client_for):
    client = client_for("ct.xa")
    photo = _seal(visit, client)
    assert sealing.verify(visit)["ok"]
    zipped = client.get(f"/inspections/inspections/{visit.pk}/bundle.zip")
    assert zipped.status_code == 200 and zipped["Content-Type"] == "application/zip"
    bundle = zipped.content
    assert sealing.verify_bundle(bundle) == []
    names = zipfile.ZipFile(io.BytesIO(bundle)).namelist()
    assert (
        "inspection.json" in names
        and "manifest.json" in names
        and any(n.startswith("photos/") for n in names)
    )
    # one byte of the stored photo changed
    path = photo.file.path
    data = bytearray(open(path, "rb").read())
    data[-5] ^= 0x01
    open(path, "wb").write(bytes(data))
    result = sealing.verify(visit)
    assert not result["ok"] and not result["photos"][0]["ok"]
    page = client.get(f"/inspections/inspections/{visit.pk}/verify/").content.decode()
    assert "Đã bị thay đổi" in page
    # a byte changed inside the bundle's photo is detected too
    src = zipfile.ZipFile(io.BytesIO(bundle))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name in src.namelist():
            blob = src.read(name)
            if name.startswith("photos/"):
                blob = blob[:-5] + bytes([blob[-5] ^ 1]) + blob[-4:]
            zf.writestr(name, blob)
    assert sealing.verify_bundle(out.getvalue())


def test_edit_after_sealing_refused_and_corrections_appended(visit, client_for):
    client = client_for("ct.xa")
    _seal(visit, client)
    check = visit.checks.get()
    r = client.patch(
        f"/api/inspections/inspections/{visit.pk}/", {"notes": "sửa"}, content_type="application/json"
    )
    assert r.status_code == 400 and "đã được niêm phong" in r.content.decode()
    page = client.post(
        f"/inspections/inspections/{visit.pk}/edit/",
        dict(campaign=visit.campaign_id, site=visit.site_id, date=_d(visit.date), inspector="Khác"),
    )
    assert page.status_code == 200 and "đã được niêm phong" in page.content.decode()
    r = client.patch(
        f"/api/inspections/checks/{check.pk}/", {"indicated": "10000"}, content_type="application/json"
    )
    assert r.status_code == 400 and "đã được niêm phong" in r.content.decode()
    r = client.post("/api/inspections/findings/", _finding(visit))
    assert r.status_code == 400 and "đã được niêm phong" in r.content.decode()
    visit.refresh_from_db()
    assert visit.inspector == "Tâm" and sealing.verify(visit)["ok"]
    # a correction is appended; it is never edited
    r = client.post(
        "/api/inspections/corrections/",
        dict(inspection=visit.pk, text="Người chứng kiến: Bà Ba", reason="ghi thiếu"),
    )
    assert r.status_code == 201, r.content
    cid = r.json()["id"]
    r = client.patch(
        f"/api/inspections/corrections/{cid}/", {"text": "khác"}, content_type="application/json"
    )
    assert r.status_code in (400, 403, 404, 405)
    assert Correction.objects.get(pk=cid).text == "Người chứng kiến: Bà Ba"
    assert sealing.verify(visit)["ok"]


def test_photo_that_is_not_an_image_refused(visit, client_for):
    client = client_for("ct.xa")
    page = client.post(
        "/inspections/photos/add/",
        dict(
            inspection=visit.pk, caption="X", file=SimpleUploadedFile("x.png", b"not an image", "image/png")
        ),
    )
    assert page.status_code == 200 and "không phải là ảnh" in page.content.decode()
    assert not Photo.objects.filter(inspection=visit).exists()


def test_remedy_after_the_campaign_refused(visit, client_for):
    client = client_for("ct.xa")
    finding = Finding(
        **{
            k: v
            for k, v in _finding(visit).items()
            if k not in ("inspection", "instrument_check", "provision")
        }
    )
    finding.inspection = visit
    finding.instrument_check = visit.checks.get()
    finding.provision = SanctionProvision.objects.get(code="V14-2-1")
    finding.full_clean()
    finding.save()
    visit.campaign.end_date = visit.date + dt.timedelta(days=5)
    visit.campaign.save()
    r = client.post("/api/inspections/remedies/", dict(finding=finding.pk, kind="reverify", days=30))
    assert r.status_code == 400 and "sau ngày kết thúc" in r.content.decode()
    assert not Inspection.objects.filter(follow_up_of=visit).exists()


# ------------------------------------------------------------------------------------------- public check


@pytest.fixture
def kit(db, user_for):
    from doluong.core.dates import today
    from doluong.parties.models import Organisation, Verifier
    from doluong.registry.models import Instrument, InstrumentType, MeasurementStandard

    provider = Organisation.objects.get(short_name="TTKT TĐC Cần Thơ")
    itype = InstrumentType.objects.get(code="8.1")
    day = today() - dt.timedelta(days=3)
    verifier = Verifier.objects.filter(
        organisation=provider, valid_until__gte=day, issued_on__lte=day - dt.timedelta(days=40)
    ).first()
    verifier.instrument_types.add(itype)
    standard = MeasurementStandard.objects.filter(
        holder=provider, valid_until__gte=day, calibrated_on__lte=day - dt.timedelta(days=40)
    ).first()
    standard.instrument_types.add(itype)
    instrument = Instrument.objects.filter(instrument_type=itype, province_id="92").order_by("pk").first()
    staff = user_for("ct.kiemdinh")

    def issue(performed_on):
        from doluong.verification import actions

        record = actions.do_record_verification(
            user=staff,
            kind="periodic",
            provider=provider,
            instrument=instrument,
            verifier=verifier,
            performed_on=performed_on,
            standards=[standard],
            points=[
                {"label": "5 kg", "nominal": "5", "found": "5.1", "unit": "kg"},
                {"label": "30 kg", "nominal": "30", "found": "30.2", "unit": "kg"},
                {"label": "60 kg", "nominal": "60", "found": "59.8", "unit": "kg"},
            ],
            accuracy_class="IIII",
            mpe_params={"e": "0.2", "Max": "60"},
            procedure="ĐLVN 30:2019",
            place="Chợ Ninh Kiều",
        )
        return actions.do_issue_certificate(record, user=staff, issued_on=performed_on, stamp_number="T-1")

    return dict(day=day, instrument=instrument, issue=issue)


def test_stopped_instrument_shows_on_the_public_check_until_a_new_certificate(world, kit, client_for):
    first = kit["issue"](kit["day"] - dt.timedelta(days=30))
    commune = world["commune"]
    campaign = Campaign.objects.create(
        province_id=commune.province_id,
        commune=commune,
        kind="unannounced",
        year=2026,
        title="Đột xuất",
        start_date=dt.date(2020, 1, 1),
        end_date=dt.date(2030, 12, 31),
        leader_name="Lê Minh Tâm",
        leader_training=world["leader"],
    )
    site = Site.objects.create(kind="shop", name="Cửa hàng Tư", commune=commune)
    day = kit["day"] - dt.timedelta(days=20)
    visit = Inspection.objects.create(campaign=campaign, site=site, date=day, inspector="Tâm")
    client = client_for("ct.xa")
    r = client.post(
        "/api/inspections/checks/",
        dict(
            inspection=visit.pk,
            instrument=kit["instrument"].pk,
            kind="nawi",
            accuracy_class="IIII",
            e="200",
            max_capacity="60000",
            reference="30000",
            indicated="31000",
        ),
    )
    assert r.status_code == 201 and r.json()["verdict"] == "fail", r.content
    r = client.post(
        "/api/inspections/findings/",
        dict(
            inspection=visit.pk,
            instrument_check=r.json()["id"],
            code="seal_broken",
            description="Kẹp chì bị phá",
        ),
    )
    assert r.status_code == 201, r.content
    r = client.post("/api/inspections/remedies/", dict(finding=r.json()["id"], kind="stop_use", days=10))
    assert r.status_code == 201, r.content
    anon = client_for(None)
    html = anon.get("/verify/", {"n": first.number}).content.decode()
    assert "Đình chỉ sử dụng" in html
    body = anon.get("/api/public/certificates/", {"n": first.number}).json()
    assert body["results"][0]["notices"][0]["stopped"] is True
    assert not any(
        "instrument_id" in key for key in body["results"][0]
    )  # the notices read it; nobody sees it
    # a new certificate verified after the inspection lifts the order
    second = kit["issue"](kit["day"])
    assert "Đình chỉ sử dụng" not in anon.get("/verify/", {"n": second.number}).content.decode()
    assert "Đình chỉ sử dụng" not in anon.get("/verify/", {"n": first.number}).content.decode()


# ------------------------------------------------------------------------------------------- public side


def test_public_statistics_count_first_and_follow_up_visits(visit, client_for):
    from doluong.inspections.public import statistics

    client = client_for("ct.xa")
    r = client.post("/api/inspections/findings/", _finding(visit))
    assert r.status_code == 201
    Finding.objects.filter(pk=r.json()["id"]).update(legal_officer="Pháp chế", confirmed_on=visit.date)
    client.post("/api/inspections/remedies/", dict(finding=r.json()["id"], kind="reverify", days=7))
    sealing.seal(visit, None)
    follow = Inspection.objects.get(follow_up_of=visit)
    ok = InstrumentCheck(
        inspection=follow,
        kind="nawi",
        found_unregistered="Cân 15 kg",
        accuracy_class="III",
        e=50,
        max_capacity=15000,
        reference=10000,
        indicated=10010,
    )
    ok.full_clean()
    ok.save()
    sealing.seal(follow, None)
    commune = visit.site.commune
    rows = {r["commune"]: r for r in statistics(commune.province_id, visit.date.year)}
    mine = rows[commune.name]
    # the demo's own inspections of the commune count too: compare with independent counts
    sealed = Inspection.objects.filter(
        site__commune=commune, date__year=visit.date.year, sealed_at__isnull=False
    )
    first = InstrumentCheck.objects.filter(inspection__in=sealed, inspection__follow_up_of__isnull=True)
    again = InstrumentCheck.objects.filter(inspection__in=sealed, inspection__follow_up_of__isnull=False)
    assert mine["inspections"] == sealed.count()
    assert (mine["first_total"], mine["first_pass"]) == (first.count(), first.filter(verdict="pass").count())
    assert (mine["follow_total"], mine["follow_pass"]) == (
        again.count(),
        again.filter(verdict="pass").count(),
    )
    fines = Finding.objects.filter(inspection__in=sealed, sanction="fine", confirmed_on__isnull=False)
    assert mine["fine_total"] == sum(f.proposed_fine for f in fines) and mine["fines"] == fines.count()
    page = client_for(None).get(
        "/open/inspections/", {"province": commune.province_id, "year": visit.date.year}
    )
    assert page.status_code == 200 and commune.name in page.content.decode()


def test_complaint_from_the_public_check_routed_to_the_commune(kit, client_for, settings):
    from doluong.inspections.models import Complaint

    settings.COMPLAINT_RATE_LIMIT = 3  # the refused post counts too
    cert = kit["issue"](kit["day"] - dt.timedelta(days=5))
    anon = client_for(None)
    html = anon.get("/verify/", {"n": cert.number}).content.decode()
    assert "/verify/complaint/?n=" in html
    url = "/verify/complaint/"
    before = Complaint.objects.count()
    bad = anon.post(url, dict(n=cert.number, place="Chợ", text="ngắn"))
    assert bad.status_code == 200 and "ít nhất 20" in bad.content.decode()
    assert Complaint.objects.count() == before
    good = anon.post(
        url, dict(n=cert.number, place="Chợ Ninh Kiều, sạp 3", text="Cân thiếu khoảng 100 g mỗi ký.")
    )
    assert good.status_code == 200 and "complaint-sent" in good.content.decode()
    c = Complaint.objects.latest("pk")
    assert c.commune_id == kit["instrument"].commune_id and c.instrument == kit["instrument"]
    # routed: the commune's officers of the instrument's commune see it, another province's do not
    assert client_for("dt.sokhcn").get(f"/api/inspections/complaints/{c.pk}/").status_code == 404
    assert client_for("ct.sokhcn").get(f"/api/inspections/complaints/{c.pk}/").status_code == 200
    # rate-limited
    anon.post(url, dict(n=cert.number, place="Chợ", text="Cân thiếu khoảng 100 g mỗi ký, lần hai."))
    limited = anon.post(url, dict(n=cert.number, place="Chợ", text="Cân thiếu khoảng 100 g mỗi ký, lần ba."))
    assert limited.status_code == 429
    assert Complaint.objects.count() == before + 2
