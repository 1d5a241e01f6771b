"""The platform's URLs plus the gateway benchmark's baseline: the same point lookup as
`/api/v1/data/{code}/records?key=`, through the same server and middleware, without the
credential, grant check, row filter, projection, masking and access record. It sends its one
statement as the gateway sends its record query (SQL made once, no ORM on the way) and is
listed first, so its URL resolves sooner than the gateway's: the baseline is, if anything,
faster than a bare endpoint written the usual way.
"""

import json

from django.db import connection
from django.urls import path
from ninja import NinjaAPI

from govshare.exchange.models import Record
from govshare.urls import urlpatterns as platform_urlpatterns

bare = NinjaAPI(title="bare lookups", urls_namespace="bare", docs_url=None)
LOOKUP = (f"SELECT id, payload FROM {Record._meta.db_table} "  # noqa: S608 (a table name)
          "WHERE resource_id = %s AND key = %s AND NOT deleted ORDER BY id LIMIT 100")


@bare.get("/records/{resource_id}")
def records(request, resource_id: int, key: str):
    with connection.cursor() as cursor:
        cursor.execute(LOOKUP, [resource_id, key])
        rows = cursor.fetchall()
    return {"results": [json.loads(payload) if isinstance(payload, str) else payload
                        for _pk, payload in rows]}


urlpatterns = [path("bench/bare/", bare.urls), *platform_urlpatterns]
