from doluong.core.admin import register

from .models import (
    BatchJob,
    Certificate,
    CertificateSettings,
    MeasurementPoint,
    RecordStandard,
    SigningKey,
    ValidityRule,
    VerificationRecord,
)

register(
    VerificationRecord,
    RecordStandard,
    MeasurementPoint,
    Certificate,
    CertificateSettings,
    ValidityRule,
    SigningKey,
    BatchJob,
)
