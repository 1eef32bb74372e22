from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Queue the open data refresh on the worker (or run it here with --now)."

    def add_arguments(self, parser):
        parser.add_argument("--now", action="store_true", help="rebuild here instead of queueing a job")

    def handle(self, *args, now=False, **options):
        from doluong.core import jobs

        if now:
            from doluong.opendata.publish import refresh

            for key, count in refresh().items():
                self.stdout.write(f"{key}: {count}")
            return
        job = jobs.create("opendata_refresh")
        jobs.enqueue(job)
        self.stdout.write(f"job {job.pk} queued")
