"""Gap-free, duplicate-free yearly numbers per provider and series.

`next_value` must run inside the transaction that writes the numbered document: it locks the counter row
(`SELECT … FOR UPDATE` on PostgreSQL; on SQLite the IMMEDIATE transaction already holds the write lock), so a
second issuer waits until the first commits or rolls back. A rollback gives the number back, so there are no
gaps; the lock means no duplicates.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from .models import CertificateSettings, NumberCounter


def next_value(provider_id: int, series: str, year: int) -> int:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("numbers are allocated inside the transaction that uses them")
    counters = NumberCounter.objects.select_for_update()
    try:
        counter = counters.get(provider_id=provider_id, series=series, year=year)
    except NumberCounter.DoesNotExist:
        try:
            with transaction.atomic():
                NumberCounter.objects.create(provider_id=provider_id, series=series, year=year, last_value=0)
        except IntegrityError:
            pass  # another issuer created it first; its row is locked below
        counter = counters.get(provider_id=provider_id, series=series, year=year)
    counter.last_value += 1
    counter.save(update_fields=["last_value"])
    return counter.last_value


def settings_for(provider) -> CertificateSettings:
    """The provider's certificate settings (defaults if it has none yet; not saved)."""
    found = CertificateSettings.objects.filter(provider_id=provider.pk).first()
    return found or CertificateSettings(provider=provider)


def allocate(provider, series: str, year: int) -> str:
    """The next formatted number of the provider's series for `year`."""
    value = next_value(provider.pk, series, year)
    conf = settings_for(provider)
    if series == "record":
        return conf.format_record_number(value, year)
    return conf.format_number(value, year)
