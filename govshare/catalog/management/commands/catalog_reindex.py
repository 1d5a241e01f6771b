"""`govshare catalog_reindex`: rebuild the search index from the published catalog.

Publishing and withdrawing keep the index current one resource at a time; this is for a new
installation of the search app, a restored database or a changed segmentation dictionary.
"""

from django.core.management.base import BaseCommand

from govshare.catalog.indexing import published_documents
from govshare.search.bulk import rebuild


class Command(BaseCommand):
    help = "Rebuild the catalog search index from every published resource."

    def handle(self, *args, **options):
        # Read every document before the rebuild starts: on PostgreSQL it streams them with COPY,
        # and the connection cannot run the catalog's queries in the middle of a COPY.
        count = rebuild(list(published_documents()))
        self.stdout.write(self.style.SUCCESS(f"Indexed {count} published resources."))
