"""The platform's settings for `bench/gateway.py`'s server, with `bare_urls` as its URLs.

Rate limits are off: the bare endpoint's calls would otherwise count as anonymous traffic and
be throttled, while the gateway's calls (a credential the process verified) never read the
counters. Benchmark only; never deploy it: the bare endpoint serves records to anyone.
"""

from govshare.settings import *  # noqa: F403

ROOT_URLCONF = "bare_urls"
RATELIMIT_ENABLE = False
