"""`govshare serve`: the platform under gunicorn, static files included (whitenoise), with its
companion processes beside the workers: the audit log's sealing process
(govshare/audit/sealer.py) and the task worker, for which it books the periodic tasks."""

import contextlib
import os
import signal
import sys
import threading

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import DatabaseError, connections
from gunicorn.app.base import BaseApplication

from govshare.audit import sealer
from govshare.audit.tasks import schedule_checkpoints
from govshare.federation.tasks import schedule_harvest
from govshare.monitor.multiprocess import child_exit
from govshare.monitor.tasks import schedule_monitoring
from govshare.search.tasks import schedule_refresh
from govshare.sharing.tasks import schedule_sweep
from govshare.supervision.tasks import schedule_inspection
from govshare.wsgi import application

SEALING = ("audit", "seal", "--follow")
TASK_WORKER = ("db_worker", "--no-reload")


class _Server(BaseApplication):
    def __init__(self, options):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        return application


class Companion:
    """A `govshare` command run beside the workers (govshare/core/companion.py), started again
    a second after it exits (killed, out of memory), stopped with the server, and ending by
    itself when the server is gone however that went."""

    def __init__(self, *command: str):
        self.command = command
        self._stopping = threading.Event()
        self._pid = None

    def start(self):
        threading.Thread(target=self._keep_running, name=" ".join(self.command),
                         daemon=True).start()

    def _keep_running(self):
        argv = [sys.executable, "-m", "govshare.core.companion", *self.command]
        while not self._stopping.is_set():
            # posix_spawn, not subprocess: Popen waits for the child's exec on a pipe, and a
            # worker the master forks meanwhile inherits that pipe and holds it open for life.
            self._pid = os.posix_spawn(sys.executable, argv, os.environ)
            try:
                _pid, status = os.waitpid(self._pid, 0)
                code = os.waitstatus_to_exitcode(status)
            except ChildProcessError:
                code = "?"  # the master reaps every child it is signalled about, ours too
            if self._stopping.wait(1):
                return
            sys.stderr.write(f"govshare: `govshare {' '.join(self.command)}` exited ({code}); "
                             f"starting it again\n")

    def stop(self):
        """A process started after this ends by itself, its parent gone."""
        self._stopping.set()
        if self._pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGTERM)


def book_periodic_tasks() -> None:
    """Book the first run of each periodic task that has none booked (each run books the
    next): the deadline sweep, audit checkpoints, the search index's refresh, monitoring, the
    federation harvest and the supervision inspection."""
    schedule_sweep()
    schedule_checkpoints()
    schedule_refresh()
    schedule_monitoring()
    schedule_harvest()
    schedule_inspection()


class Command(BaseCommand):
    help = "Serve the platform (gunicorn with threads) with its sealing process and task worker."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--threads", type=int, default=4)
        parser.add_argument("--no-task-worker", action="store_true",
                            help="run no task worker here (`govshare db_worker` runs elsewhere)")

    def handle(self, *args, bind, workers, threads, no_task_worker, **options):
        try:
            book_periodic_tasks()
        except DatabaseError as error:
            self.stderr.write(f"govshare: the periodic tasks are not booked ({error}); "
                              f"is the database migrated?")
        # Not shared with the workers gunicorn forks next.
        connections.close_all()
        # With the setting at 0 every access is sealed as it is recorded: nothing to follow.
        sealing = settings.GOVSHARE_AUDIT_SEAL_SECONDS > 0
        companions = [Companion(*command) for command, wanted in
                      ((SEALING, sealing), (TASK_WORKER, not no_task_worker)) if wanted]

        def on_starting(_server):
            # In the master, before any worker is forked: every worker leaves sealing to the
            # sealing process.
            if sealing:
                sealer.seal_in_another_process()
            for companion in companions:
                companion.start()

        def on_exit(_server):
            # In the master only: a worker's exit runs no hook.
            for companion in companions:
                companion.stop()

        self.stdout.write(f"govshare: serving http://{bind}/")
        _Server({"bind": bind, "workers": workers, "threads": threads,
                 "worker_class": "gthread", "accesslog": "-", "timeout": 120,
                 "child_exit": child_exit, "on_starting": on_starting,
                 "on_exit": on_exit}).run()
