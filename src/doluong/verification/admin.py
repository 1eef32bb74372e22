from django.contrib import admin

from doluong.core.admin import BaseAdmin, register

from .models import (
    BatchJob,
    Certificate,
    CertificateSettings,
    MeasurementPoint,
    RecordStandard,
    SigningKey,
    StatusStatement,
    ValidityRule,
    VerificationRecord,
)


class NeverDeletedAdmin(BaseAdmin):
    """Numbered and signed rows: voided or revoked through the site's actions, never deleted (not even here)."""

    def has_delete_permission(self, request, obj=None):
        return False


class SignedAdmin(NeverDeletedAdmin):
    """Signing keys and status statements are written only by the actions (administrator's key changes,
    revocation, supersession, reinstatement): read-only here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


register(RecordStandard, MeasurementPoint, CertificateSettings, ValidityRule, BatchJob)
admin.site.register(VerificationRecord, NeverDeletedAdmin)
admin.site.register(Certificate, NeverDeletedAdmin)
admin.site.register(SigningKey, SignedAdmin)
admin.site.register(StatusStatement, SignedAdmin)
