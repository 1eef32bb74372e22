"""Register a province instance with this national instance (national mode): `doluong manage national_source 92
--public-key <base64> [--secret whsec_…] [--name …]`. Prints the HMAC secret once (generated unless given): set it
on the province's subscription whose URL is /open/exchange/national/receive/92/ here."""

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Register a province instance as a source of the national aggregate; prints its HMAC secret once."

    def add_arguments(self, parser):
        parser.add_argument("province", help="the 2025 province code, e.g. 92")
        parser.add_argument("--public-key", default="", help="the instance's Ed25519 exchange key (base64)")
        parser.add_argument("--secret", default=None, help="the subscription's whsec_ secret (default: new)")
        parser.add_argument("--name", default="")

    def handle(self, *args, province, public_key, secret, name, **options):
        from doluong.exchange import aggregate
        from doluong.exchange.models import NationalSource
        from doluong.geo.models import Province

        place = Province.objects.filter(pk=province).first()
        if place is None:
            raise CommandError(f"Không có tỉnh mã {province!r}.")
        if NationalSource.objects.filter(province=place).exists():
            raise CommandError(f"Tỉnh {province} đã có nguồn dữ liệu.")
        if secret is not None and not secret.startswith("whsec_"):
            raise CommandError("Khóa bí mật phải bắt đầu bằng whsec_.")
        source, secret = aggregate.add_source(place, public_key=public_key, secret=secret, name=name)
        self.stdout.write(secret)
