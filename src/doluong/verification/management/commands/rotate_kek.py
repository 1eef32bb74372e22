"""`doluong manage rotate_kek`: re-seal every sealed secret under a new key-encryption key.

With the KEK in a file (`DOLUONG_KEK_FILE`, default `DOLUONG_KEYS_DIR/kek`): a new Fernet key is written first in
the file with the old keys after it (MultiFernet: the first seals, every key opens), so a crash at any point
leaves every secret readable; then every provider's private key, every PAdES passphrase and the root key are
re-sealed under the new key in one transaction; then the old keys are dropped from the file (`--keep-old` keeps
them). With the KEK in `DOLUONG_KEK` (an environment variable the command cannot change): put the new key first
(`DOLUONG_KEK=new,old`; `--generate` prints one), run the command, then remove the old key from the variable.
"""

from __future__ import annotations

import json

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from doluong.verification import signing
from doluong.verification.models import CertificateSettings, SigningKey


class Command(BaseCommand):
    help = "Re-seal the signing keys, the PAdES passphrases and the root key under a new key-encryption key."

    def add_arguments(self, parser):
        parser.add_argument("--keep-old", action="store_true", help="keep the old keys in the KEK file")
        parser.add_argument("--generate", action="store_true", help="print a new Fernet key and stop")

    def handle(self, *args, keep_old=False, generate=False, **options):
        if generate:
            self.stdout.write(Fernet.generate_key().decode("ascii"))
            return
        try:
            old = signing.kek_keys()
        except signing.SealError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        from_env = bool((settings.DOLUONG_KEK or "").strip())
        path = signing.kek_file()
        if from_env:
            if len(old) < 2:
                raise CommandError(
                    "DOLUONG_KEK holds one key: put the new key first (DOLUONG_KEK=new,old; --generate prints "
                    "one), run rotate_kek, then remove the old key."
                )
            keys = old
        else:
            keys = [Fernet.generate_key(), *old]
            signing.replace_file(path, "".join(k.decode("ascii") + "\n" for k in keys))  # both readable
        multi = MultiFernet([Fernet(k) for k in keys])
        counts = {"signing keys": 0, "PAdES passphrases": 0, "root key": 0}
        try:
            with transaction.atomic():
                for key in SigningKey.objects.select_for_update().only("pk", "private_key").order_by("pk"):
                    key.private_key = multi.rotate(key.private_key.encode("ascii")).decode("ascii")
                    SigningKey.objects.filter(pk=key.pk).update(private_key=key.private_key)
                    counts["signing keys"] += 1
                sealed = CertificateSettings.objects.select_for_update().exclude(pades_passphrase="")
                for conf in sealed.only("pk", "pades_passphrase").order_by("pk"):
                    value = conf.pades_passphrase
                    if value.startswith(signing.SEALED):
                        token = multi.rotate(value[len(signing.SEALED) :].encode("ascii")).decode("ascii")
                    else:  # left in clear by an old version
                        token = multi.encrypt(value.encode("utf-8")).decode("ascii")
                    CertificateSettings.objects.filter(pk=conf.pk).update(
                        pades_passphrase=signing.SEALED + token
                    )
                    counts["PAdES passphrases"] += 1
                root = signing.root_file()
                if root.exists():
                    data = json.loads(root.read_text())
                    data["sealed"] = multi.rotate(data["sealed"].encode("ascii")).decode("ascii")
                    signing.replace_file(root, json.dumps(data) + "\n")
                    counts["root key"] = 1
        except (
            Exception
        ) as exc:  # the database rolled back: every secret is still sealed under a key of the file
            raise CommandError(
                f"Nothing re-sealed in the database ({exc}); the KEK file keeps every key."
            ) from exc
        if not from_env and not keep_old:
            signing.replace_file(path, keys[0].decode("ascii") + "\n")
        for name, count in counts.items():
            self.stdout.write(f"{name}: {count}")
        if from_env:
            self.stdout.write("Now remove the old key(s) from DOLUONG_KEK.")
        else:
            self.stdout.write(f"New KEK in {path}" + (" (old keys kept)" if keep_old else ""))
