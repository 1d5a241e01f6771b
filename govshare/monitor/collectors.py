"""Gauges read from the database at scrape time (correct whichever process answers)."""

from django.db.models import Count
from django_tasks_db.models import DBTaskResult
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector


class TaskQueueCollector(Collector):
    """Tasks waiting in django-tasks-db's queue, and tasks running, by queue."""

    def collect(self):
        waiting = GaugeMetricFamily("govshare_task_queue_depth",
                                    "Tasks ready to run and not yet started, by queue.",
                                    labels=["queue"])
        running = GaugeMetricFamily("govshare_tasks_running", "Tasks running now, by queue.",
                                    labels=["queue"])
        counts = (DBTaskResult.objects.filter(status__in=["READY", "RUNNING"])
                  .values_list("queue_name", "status").annotate(n=Count("id")))
        by_status = {"READY": {}, "RUNNING": {}}
        for queue, status, n in counts:
            by_status[status][queue] = n
        for family, status in ((waiting, "READY"), (running, "RUNNING")):
            for queue, n in sorted(by_status[status].items()):
                family.add_metric([queue], n)
            if not by_status[status]:
                family.add_metric(["default"], 0)
            yield family
