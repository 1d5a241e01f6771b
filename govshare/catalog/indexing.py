"""What the catalog puts in the search index: one `Document` per published resource, built from
the version in force. Facet values are codes (the 项 of the classification, the share type's
value, …) so filters do not depend on the interface language."""

from django.db.models import Prefetch

from govshare.search.index import Document

from .models import DataItem, Resource


def search_document(resource: Resource) -> Document:
    version = resource.current
    region = resource.provider.region
    return Document(
        resource_id=resource.pk, code=resource.code, name=version.name,
        summary=version.summary,
        data_items=" ".join(item.name for item in version.items.all()),
        provider_id=resource.provider_id, provider_name=resource.provider.name,
        region_code=region.code, region_path=region.path,
        classification=version.classification.code[:3], share_type=version.share_type,
        open_type=version.open_type, format=version.format, update_cycle=version.update_cycle,
        published_at=version.published_at,
    )


def published_documents(chunk_size=2000):
    """The documents of every published resource, read in chunks (memory stays flat)."""
    resources = (Resource.objects.published().order_by("pk")
                 .select_related("provider__region", "published_version__classification")
                 .prefetch_related(Prefetch("published_version__items",
                                            queryset=DataItem.objects.only("version", "name"))))
    for resource in resources.iterator(chunk_size=chunk_size):
        yield search_document(resource)
