"""Register a province instance with this national instance (national mode): `doluong manage national_source 92
--public-key <base64> [--secret whsec_…] [--name …]`. Prints the HMAC secret once (generated unless given): set it
on the province's subscription whose URL is /open/exchange/national/receive/92/ here. `--rotate` gives an
existing source a new secret (printed once; the old one is still accepted for the grace period, DOLUONG_NATIONAL_SECRET_GRACE_HOURS). The administrator's page
(/exchange/national/sources/) does the same through the same actions' code."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation


class Command(BaseCommand):
    help = "Register a province instance as a source of the national aggregate; prints its HMAC secret once."

    def add_arguments(self, parser):
        parser.add_argument("province", help="the 2025 province code, e.g. 92")
        parser.add_argument("--public-key", default="", help="the instance's Ed25519 exchange key (base64)")
        parser.add_argument("--secret", default=None, help="the subscription's whsec_ secret (default: new)")
        parser.add_argument("--name", default="")
        parser.add_argument(
            "--rotate", action="store_true", help="give the province's existing source a new secret"
        )

    def handle(self, *args, province, public_key, secret, name, rotate, **options):
        from doluong.exchange import aggregate
        from doluong.exchange.models import NationalSource
        from doluong.geo.models import Province

        place = Province.objects.filter(pk=province).first()
        if place is None:
            raise CommandError(f"Không có tỉnh mã {province!r}.")
        if rotate:
            source = NationalSource.objects.filter(province=place).first()
            if source is None:
                raise CommandError(f"Tỉnh {province} chưa có nguồn dữ liệu.")
            source, secret = aggregate.rotate_secret(source, reason="Đổi khóa bí mật (lệnh national_source)")
            self.stdout.write(secret)
            return
        if NationalSource.objects.filter(province=place).exists():
            raise CommandError(f"Tỉnh {province} đã có nguồn dữ liệu.")
        if secret is not None and not secret.startswith("whsec_"):
            raise CommandError("Khóa bí mật phải bắt đầu bằng whsec_.")
        if public_key:
            try:
                with translation.override("vi"):  # the command speaks Vietnamese, as its other messages
                    public_key = aggregate.check_public_key(public_key)
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from exc
        source, secret = aggregate.add_source(
            place,
            public_key=public_key,
            secret=secret,
            name=name,
            reason="Đăng ký nguồn (lệnh national_source)",
        )
        self.stdout.write(secret)
