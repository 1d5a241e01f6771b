"""`govshare serve`: the platform under gunicorn, static files included (whitenoise), and the
audit log's sealing process beside the workers (govshare/audit/sealer.py)."""

import contextlib
import os
import signal
import sys
import threading

from django.conf import settings
from django.core.management.base import BaseCommand
from gunicorn.app.base import BaseApplication

from govshare.audit import sealer
from govshare.monitor.multiprocess import child_exit
from govshare.wsgi import application

SEALING_COMMAND = [sys.executable, "-m", "govshare.cli", "audit", "seal", "--follow"]


class _Server(BaseApplication):
    def __init__(self, options):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        return application


class SealingProcess:
    """`govshare audit seal --follow`, started again a second after it exits (killed, out of
    memory): while it is down, accesses wait in the pending table, durable. It ends by itself
    when the server's master process is gone, however that went."""

    def __init__(self):
        self._stopping = threading.Event()
        self._pid = None

    def start(self, _server):
        """gunicorn's on_starting hook: in the master, before any worker is forked, so every
        worker leaves sealing to this process."""
        sealer.seal_in_another_process()
        threading.Thread(target=self._keep_running, name="sealing", daemon=True).start()

    def _keep_running(self):
        while not self._stopping.is_set():
            # posix_spawn, not subprocess: Popen waits for the child's exec on a pipe, and a
            # worker the master forks meanwhile inherits that pipe and holds it open for life.
            self._pid = os.posix_spawn(sys.executable, SEALING_COMMAND, os.environ)
            try:
                _pid, status = os.waitpid(self._pid, 0)
                code = os.waitstatus_to_exitcode(status)
            except ChildProcessError:
                code = "?"  # the master reaps every child it is signalled about, ours too
            if self._stopping.wait(1):
                return
            sys.stderr.write(f"govshare: the audit sealing process exited ({code}); "
                             f"starting it again\n")

    def stop(self, _server):
        """gunicorn's on_exit hook, in the master only. A process started after this ends
        by itself, its parent gone."""
        self._stopping.set()
        if self._pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGTERM)


class Command(BaseCommand):
    help = "Serve the platform (gunicorn with threads) with its audit sealing process."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--threads", type=int, default=4)

    def handle(self, *args, bind, workers, threads, **options):
        self.stdout.write(f"govshare: serving http://{bind}/")
        options = {"bind": bind, "workers": workers, "threads": threads,
                   "worker_class": "gthread", "accesslog": "-", "timeout": 120,
                   "child_exit": child_exit}
        if settings.GOVSHARE_AUDIT_SEAL_SECONDS > 0:
            sealing = SealingProcess()
            options.update(on_starting=sealing.start, on_exit=sealing.stop)
        _Server(options).run()
