"""Every Prometheus metric of the platform, defined once here; other apps import and increment.

Labels are bounded sets (view names, methods, status classes, resource codes, application ids),
never raw paths or user input, so the series count stays small.

Under `govshare serve` several gunicorn workers each count their own share: prometheus_client's
multiprocess mode (PROMETHEUS_MULTIPROC_DIR, set by the `govshare` command before anything
imports prometheus_client) keeps them in files that `/metrics` merges. In tests and single
processes the values live in `REGISTRY`. Gauges that a scrape reads from the database are not
here but in `collectors.py`.
"""

import os

from prometheus_client import CollectorRegistry, Counter, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


HTTP_REQUESTS = Counter(
    "govshare_http_requests", "HTTP requests answered, by view, method and status class.",
    ["view", "method", "status"], registry=REGISTRY,
)
HTTP_LATENCY = Histogram(
    "govshare_http_request_duration_seconds", "Time to answer an HTTP request.",
    ["view", "method", "status"], registry=REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
GATEWAY_CALLS = Counter(
    "govshare_gateway_calls", "Data gateway calls, by resource code and consuming application.",
    ["resource", "application", "outcome"], registry=REGISTRY,
)
ROWS_INGESTED = Counter(
    "govshare_rows_ingested", "Rows received from exchange nodes, by resource code.",
    ["resource"], registry=REGISTRY,
)
ROWS_SERVED = Counter(
    "govshare_rows_served", "Rows sent to consumers, by resource code and application.",
    ["resource", "application"], registry=REGISTRY,
)
OVERDUE_STEPS = Counter(
    "govshare_overdue_steps", "Workflow steps found past their legal deadline, by step.",
    ["step"], registry=REGISTRY,
)
OPENDATA_DOWNLOADS = Counter(
    "govshare_opendata_downloads", "Open data downloads, by resource code and format.",
    ["resource", "format"], registry=REGISTRY,
)
OPENDATA_API_CALLS = Counter(
    "govshare_opendata_api_calls", "CKAN action API calls, by action and outcome.",
    ["action", "outcome"], registry=REGISTRY,
)
