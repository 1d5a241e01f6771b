"""R19: a reader that sees part of the catalog (the open data portal) searches only its
documents, with facets counted over them, and may keep terms to some fields."""

import pytest

from govshare.core.exceptions import ValidationError
from govshare.search.index import index_document, search
from govshare.search.models import SearchDocument

from .conftest import make_document


def _ids(result):
    return sorted(hit.resource_id for hit in result.hits)


def test_r19_within_keeps_the_documents_a_queryset_names(indexed):
    kept = SearchDocument.objects.filter(resource_id__in=[2, 3, 5, 7, 11]).values("resource_id")
    everything = search("", within=kept, per_page=100)
    assert _ids(everything) == [2, 3, 5, 7, 11] and everything.total == 5
    assert sum(n for _v, n in everything.facets["open_type"]) == 5
    provider = everything.facets["provider"][0][0]
    filtered = search("", within=kept, filters={"provider": [provider]}, per_page=100)
    assert filtered.total == dict(everything.facets["provider"])[provider]
    word = indexed[1].name[:2]
    found = search(word, within=kept, per_page=100)
    assert set(_ids(found)) <= {2, 3, 5, 7, 11}
    assert found.total == len(found.hits)


def test_r19_fields_keep_terms_out_of_the_others(regions):
    index_document(make_document(1, name="景区名录", summary="全省景区", data_items="负责人身份证"))
    index_document(make_document(2, name="身份证签发", summary="", data_items=""))
    assert _ids(search("身份证")) == [1, 2]
    assert _ids(search("身份证", fields=("name", "summary", "provider"))) == [2]
    only_names = search("景区", fields=("name",))
    assert _ids(only_names) == [1] and only_names.hits[0].score == 8


def test_r19_within_and_fields_are_checked(regions):
    with pytest.raises(ValidationError) as refused:
        search("x", within=[1, 2], fields=("title",))
    assert set(refused.value.field_errors) == {"within", "fields"}
