from rest_framework import serializers

from doluong.core.api import make_serializer

from ..forms import CertificateSettingsForm, ValidityRuleForm
from ..models import (
    BatchJob,
    Certificate,
    CertificateSettings,
    MeasurementPoint,
    SigningKey,
    ValidityRule,
    VerificationRecord,
)

RECORD_FIELDS = [
    "number",
    "kind",
    "instrument",
    "standard",
    "provider",
    "verifier",
    "performed_on",
    "place",
    "procedure",
    "accuracy_class",
    "mpe_rule",
    "mpe_params",
    "temperature",
    "humidity",
    "environment_notes",
    "visual_check_passed",
    "technical_check_passed",
    "result",
    "reviewer_name",
    "owner",
    "province",
    "notes",
]
POINT_FIELDS = [
    "record",
    "position",
    "label",
    "unit",
    "nominal",
    "found",
    "error",
    "mpe",
    "uncertainty",
    "coverage_factor",
    "conditions",
    "verdict",
    "rule",
]
CERTIFICATE_FIELDS = [
    "number",
    "record",
    "provider",
    "instrument",
    "standard",
    "owner",
    "kind",
    "issued_on",
    "verified_on",
    "valid_until",
    "stamp_number",
    "status",
    "status_reason",
    "status_changed_on",
    "superseded_by",
    "signature",
    "notes",
]

MeasurementPointSerializer = make_serializer(MeasurementPoint, POINT_FIELDS, read_only=POINT_FIELDS)
_RecordBase = make_serializer(
    VerificationRecord,
    RECORD_FIELDS,
    read_only=[f for f in RECORD_FIELDS if f not in ("place", "reviewer_name", "notes")],
)


class VerificationRecordSerializer(_RecordBase):
    points = MeasurementPointSerializer(many=True, read_only=True)
    standards = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    certificate = serializers.SerializerMethodField()

    class Meta(_RecordBase.Meta):
        fields = [*_RecordBase.Meta.fields, "standards", "points", "certificate"]

    def get_certificate(self, obj) -> int | None:
        cert = getattr(obj, "certificate", None)
        return cert.pk if cert is not None else None


_CertBase = make_serializer(
    Certificate, CERTIFICATE_FIELDS, read_only=[f for f in CERTIFICATE_FIELDS if f != "notes"]
)


class CertificateSerializer(_CertBase):
    effective_status = serializers.CharField(read_only=True)
    key_id = serializers.CharField(source="key.key_id", read_only=True)
    public_url = serializers.CharField(read_only=True)

    class Meta(_CertBase.Meta):
        fields = [*_CertBase.Meta.fields, "effective_status", "key_id", "public_url"]


CertificateSettingsSerializer = make_serializer(
    CertificateSettings, [f for f in CertificateSettingsForm._meta.fields if f not in ("pades_passphrase",)]
)
ValidityRuleSerializer = make_serializer(ValidityRule, ValidityRuleForm._meta.fields)
SigningKeySerializer = make_serializer(
    SigningKey,
    ["provider", "key_id", "public_key", "activated_on", "retired_on"],
    read_only=["provider", "key_id", "public_key", "activated_on", "retired_on"],
)
BatchJobSerializer = make_serializer(
    BatchJob,
    [
        "provider",
        "file_name",
        "status",
        "total",
        "issued",
        "failed_records",
        "errors",
        "created",
        "finished_at",
    ],
    read_only=[
        "provider",
        "file_name",
        "status",
        "total",
        "issued",
        "failed_records",
        "errors",
        "created",
        "finished_at",
    ],
)


class PointInputSerializer(serializers.Serializer):
    label = serializers.CharField(required=False, allow_blank=True, default="")
    nominal = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    found = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    unit = serializers.CharField(required=False, allow_blank=True, default="")
    mpe = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    uncertainty = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    coverage_factor = serializers.CharField(required=False, allow_null=True, default="2")
    conditions = serializers.DictField(required=False, default=dict)


class RecordInputSerializer(serializers.Serializer):
    """POST /api/verification/records/: what `actions.do_record_verification` takes (ids for related rows)."""

    kind = serializers.CharField()
    provider = serializers.IntegerField()
    instrument = serializers.IntegerField(required=False, allow_null=True)
    standard = serializers.IntegerField(required=False, allow_null=True)
    verifier = serializers.IntegerField(required=False, allow_null=True)
    performed_on = serializers.DateField()
    standards = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    points = PointInputSerializer(many=True)
    place = serializers.CharField(required=False, allow_blank=True, default="")
    procedure = serializers.CharField(required=False, allow_blank=True, default="")
    accuracy_class = serializers.CharField(required=False, allow_null=True, allow_blank=True, default=None)
    mpe_rule = serializers.CharField(required=False, allow_null=True, allow_blank=True, default=None)
    mpe_params = serializers.DictField(required=False, default=dict)
    temperature = serializers.CharField(required=False, allow_null=True, allow_blank=True, default=None)
    humidity = serializers.CharField(required=False, allow_null=True, allow_blank=True, default=None)
    environment_notes = serializers.CharField(required=False, allow_blank=True, default="")
    visual_check_passed = serializers.BooleanField(required=False, default=True)
    technical_check_passed = serializers.BooleanField(required=False, default=True)
    reviewer_name = serializers.CharField(required=False, allow_blank=True, default="")
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class IssueInputSerializer(serializers.Serializer):
    stamp_number = serializers.CharField(required=False, allow_blank=True, default="")
    issued_on = serializers.DateField(required=False, allow_null=True, default=None)
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class RevokeInputSerializer(serializers.Serializer):
    reason = serializers.CharField()
