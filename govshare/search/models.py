"""The search index: one denormalised row per published resource, and the facet counts of the
whole catalog.

The rows are written only through `govshare.search.index`; the full-text part (an FTS5 table on
SQLite, a tsvector column on PostgreSQL) is created by migration 0002 and never seen by the ORM.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RowIdField(models.BigIntegerField):
    """A 64-bit integer key that SQLite stores as the table's rowid.

    SQLite makes only a column declared exactly `integer primary key` an alias of the rowid (its
    `bigint` is a separate index), and the FTS5 table joins on the rowid: one B-tree step per hit
    instead of two.
    """

    def db_type(self, connection):
        if connection.vendor == "sqlite":
            return "integer"
        return super().db_type(connection)


class SearchDocument(models.Model):
    """A published resource as the catalog search sees it."""

    resource_id = RowIdField(_("资源"), primary_key=True)
    code = models.CharField(_("资源代码"), max_length=64)
    name = models.CharField(_("资源名称"), max_length=500)
    summary = models.TextField(_("摘要"), blank=True)
    data_items = models.TextField(_("信息项"), blank=True)
    provider_id = models.BigIntegerField(_("提供方"))
    provider_name = models.CharField(_("提供方名称"), max_length=200)
    region_code = models.CharField(_("区划代码"), max_length=6)
    # The provider's region from the province down ("130000/130100/130123"): a subtree is one
    # indexed prefix match.
    region_path = models.CharField(_("区划路径"), max_length=200)
    classification = models.CharField(_("资源分类"), max_length=100)
    share_type = models.CharField(_("共享类型"), max_length=40)
    open_type = models.CharField(_("开放属性"), max_length=40)
    format = models.CharField(_("资源格式"), max_length=40)
    update_cycle = models.CharField(_("更新周期"), max_length=40)
    published_at = models.DateTimeField(_("发布时间"))

    class Meta:
        db_table = "search_document"
        verbose_name = _("检索文档")
        verbose_name_plural = _("检索文档")
        indexes = [
            models.Index(fields=["-published_at", "-resource_id"], name="search_doc_newest"),
            # text_pattern_ops lets PostgreSQL use the index for LIKE 'prefix%' whatever the
            # database's collation; SQLite ignores it and uses the index for GLOB 'prefix*'.
            models.Index(fields=["region_path"], name="search_doc_region_path",
                         opclasses=["text_pattern_ops"]),
            models.Index(fields=["region_code", "published_at"], name="search_doc_region"),
            models.Index(fields=["provider_id", "published_at"], name="search_doc_provider"),
            models.Index(fields=["classification", "published_at"],
                         name="search_doc_classification"),
            models.Index(fields=["share_type", "published_at"], name="search_doc_share_type"),
            models.Index(fields=["open_type", "published_at"], name="search_doc_open_type"),
            models.Index(fields=["format", "published_at"], name="search_doc_format"),
            models.Index(fields=["update_cycle", "published_at"],
                         name="search_doc_update_cycle"),
        ]

    def __str__(self):
        return self.name


class FacetCount(models.Model):
    """How many indexed documents of one region carry `value` in `facet`.

    The facets of the empty query, for the whole province or a region's subtree (the catalog
    browser's landing pages), are sums of these rows: exact, kept so by every index write, and
    never counted over the documents on a request.
    """

    region_path = models.CharField(max_length=200, default="")
    facet = models.CharField(max_length=20)
    value = models.CharField(max_length=200)
    count = models.BigIntegerField(default=0)

    class Meta:
        db_table = "search_facet_count"
        constraints = [
            models.UniqueConstraint(fields=["region_path", "facet", "value"],
                                    name="search_facet_count_region_unique"),
        ]

    def __str__(self):
        return f"{self.region_path} {self.facet}={self.value}: {self.count}"


class HotTerm(models.Model):
    """A term held by so many documents that its searches are answered from its postings: the
    documents holding it with its score and their facet values (`postings.py`), as of change
    `seq` of PostingChange."""

    term = models.CharField(max_length=200, primary_key=True)
    documents = models.BigIntegerField()
    seq = models.BigIntegerField(default=0)
    postings = models.BinaryField(default=b"")
    # The facet values the postings' codes stand for: {column: [value, …]}.
    dictionary = models.TextField(default="{}")

    class Meta:
        db_table = "search_hot_term"

    def __str__(self):
        return self.term


class PostingChange(models.Model):
    """One term of one document after an index write: its score there (0: no longer there) and
    the document's facet values. Searches apply the changes after their postings' `seq`; the
    next `refresh_hot_terms` folds them in and deletes them."""

    seq = models.BigAutoField(primary_key=True)
    term = models.CharField(max_length=200)
    resource_id = models.BigIntegerField()
    score = models.SmallIntegerField()
    # Microseconds since 1970 (UTC): the order postings sort by, without time zone handling.
    published_at = models.BigIntegerField()
    provider_id = models.BigIntegerField()
    region_code = models.CharField(max_length=6)
    region_path = models.CharField(max_length=200)
    classification = models.CharField(max_length=100)
    share_type = models.CharField(max_length=40)
    open_type = models.CharField(max_length=40)
    format = models.CharField(max_length=40)
    update_cycle = models.CharField(max_length=40)

    class Meta:
        db_table = "search_posting_change"
        indexes = [models.Index(fields=["term", "seq"], name="search_posting_change_term")]

    def __str__(self):
        return f"{self.seq} {self.term} {self.resource_id}: {self.score}"


class PairCount(models.Model):
    """How many indexed documents of one region carry `value` in `facet` and `other_value` in
    `other`: the facets of a blank query filtered on one facet (the catalog browser after one
    click), summed instead of counted."""

    region_path = models.CharField(max_length=200)
    facet = models.CharField(max_length=20)
    value = models.CharField(max_length=200)
    other = models.CharField(max_length=20)
    other_value = models.CharField(max_length=200)
    count = models.BigIntegerField(default=0)

    class Meta:
        db_table = "search_pair_count"
        constraints = [
            models.UniqueConstraint(
                fields=["facet", "value", "region_path", "other", "other_value"],
                name="search_pair_count_unique"),
        ]

    def __str__(self):
        return (f"{self.region_path} {self.facet}={self.value} "
                f"{self.other}={self.other_value}: {self.count}")
