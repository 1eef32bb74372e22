import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doluong.settings")
application = get_wsgi_application()

from doluong.verification.checks import refuse_insecure_start  # noqa: E402  (needs the apps loaded)

refuse_insecure_start()
