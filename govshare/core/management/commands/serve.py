"""`govshare serve`: the platform under gunicorn, static files included (whitenoise)."""

from django.core.management.base import BaseCommand
from gunicorn.app.base import BaseApplication

from govshare.monitor.multiprocess import child_exit
from govshare.wsgi import application


class _Server(BaseApplication):
    def __init__(self, options):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        return application


class Command(BaseCommand):
    help = "Serve the platform (gunicorn with threads)."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--threads", type=int, default=4)

    def handle(self, *args, bind, workers, threads, **options):
        self.stdout.write(f"govshare: serving http://{bind}/")
        _Server({"bind": bind, "workers": workers, "threads": threads,
                 "worker_class": "gthread", "accesslog": "-", "timeout": 120,
                 "child_exit": child_exit}).run()
