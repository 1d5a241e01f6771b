"""Hot terms' postings: for each term many documents hold, every such document with the term's
score and the document's facet values, packed in one array, so that a search made only of hot
terms — with any facet filters and any region — is counted, ranked and paged in memory.

Why: counting the facets of 70,000 matches in the database means reading 70,000 rows (seconds
at a million resources); counters cannot hold every combination of terms, filters and regions.
A hot term's array (40 bytes a document) is read once per process and then answers any such
combination exactly in a few milliseconds: a boolean mask per filter, `bincount` per facet, a
partial sort for the page.

Where the arrays live, and how they stay exact:
- `search_hot_term.postings`: the array of each hot term as of change `seq`, written by
  `refresh_hot_terms` (periodically, by a task), with the facet values' dictionary.
- `search_posting_change`: every index write appends, for each term of the document before
  and after, the term's new score there (0: no longer there) and the document's facet values,
  in the writer's transaction, numbered in commit order (writers take turns, `backends.lock`).
- A search reads its terms' `seq`, reloads an array a refresh replaced, and applies the
  changes after the last one it applied (most recent per document wins). A refresh deletes
  only the changes older than the refresh before it, so none a search needs is gone. The
  process keeps arrays in a cache bounded by GOVSHARE_SEARCH_POSTINGS_CACHE_MB.
"""

import datetime
import json
import threading
from array import array
from collections import OrderedDict

import numpy as np
from django.conf import settings
from django.db import connection

# Facet values stored as codes into the array's dictionary (its "values").
CODED = ("region_code", "region_path", "classification", "share_type", "open_type", "format",
         "update_cycle")
DTYPE = np.dtype([("id", "<i8"), ("at", "<i8"), ("provider_id", "<i8"), ("score", "<i2"),
                  *((column, "<u2") for column in CODED)])
CHANGE_COLUMNS = ("term", "resource_id", "score", "published_at", "provider_id", *CODED)
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_MICROSECOND = datetime.timedelta(microseconds=1)


def microseconds(moment):
    """`moment` (aware) as an integer that orders like the database orders published_at."""
    return (moment - _EPOCH) // _MICROSECOND


def change_rows(before, after, old_scores, new_scores):
    """The search_posting_change rows of one index write (without seq): every term of the
    document before and after, with its score after (0 when gone)."""
    doc = after or before
    values = [microseconds(doc.published_at), doc.provider_id,
              *(getattr(doc, column) for column in CODED)]
    return [(term, doc.resource_id, new_scores.get(term, 0), *values)
            for term in sorted(set(old_scores) | set(new_scores))]


class Postings:
    """One term's documents, sorted by id, with a dictionary per coded column."""

    def __init__(self, rows, values, seq):
        self.values = {column: list(vs) for column, vs in values.items()}
        self.codes = {column: {v: i for i, v in enumerate(vs)} for column, vs in
                      self.values.items()}
        self.base_seq = self.seq = seq
        self._set(rows)

    def _set(self, rows):
        self.rows = rows[np.argsort(rows["id"], kind="stable")]
        # Rank among these documents newest first (0 = newest), so that score and recency
        # combine into one integer key for a partial sort.
        order = np.lexsort((self.rows["id"], self.rows["at"]))[::-1]
        self.rank = np.empty(len(order), dtype=np.int64)
        self.rank[order] = np.arange(len(order))
        # Providers as codes too (their ids, sorted), so they are counted like the others.
        self.providers, self.provider_code = np.unique(self.rows["provider_id"],
                                                       return_inverse=True)

    @property
    def nbytes(self):
        return self.rows.nbytes + self.rank.nbytes + self.provider_code.nbytes

    def code(self, column, value):
        codes = self.codes[column]
        if value not in codes:
            codes[value] = len(self.values[column])
            self.values[column].append(value)
        return codes[value]

    def applied(self, changes):
        """These postings with change rows applied (in seq order, as read from
        search_posting_change): a new object, since other threads may be reading this one."""
        latest, seq = {}, self.seq
        for change_seq, _term, resource_id, *rest in changes:
            latest[resource_id] = rest
            seq = max(seq, change_seq)
        if not latest:
            return self
        result = Postings(self.rows[~np.isin(self.rows["id"], np.fromiter(latest, np.int64))],
                          self.values, self.base_seq)
        added = [(resource_id, at, provider_id, score,
                  *(result.code(column, v) for column, v in zip(CODED, values, strict=True)))
                 for resource_id, (score, at, provider_id, *values) in latest.items() if score]
        result._set(np.concatenate([result.rows, np.array(added, dtype=DTYPE)]))
        result.seq = seq
        return result

    def dump(self):
        return self.rows.tobytes(), json.dumps(self.values, ensure_ascii=False)


def pack(rows, values):
    """The stored form (bytes, dictionary JSON) of `rows` (a DTYPE array) and `values`."""
    return Postings(rows, values, 0).dump()


class _Cache:
    """Term → Postings, least recently used dropped first past the size limit."""

    def __init__(self):
        self.lock = threading.Lock()
        self.entries = OrderedDict()

    def get(self, key):
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
            return entry

    def put(self, key, entry):
        limit = settings.GOVSHARE_SEARCH_POSTINGS_CACHE_MB * 2**20
        with self.lock:
            self.entries[key] = entry
            self.entries.move_to_end(key)
            while len(self.entries) > 1 and sum(e.nbytes for e in self.entries.values()) > limit:
                self.entries.popitem(last=False)

    def clear(self):
        with self.lock:
            self.entries.clear()


_cache = _Cache()


def load(terms):
    """The current postings of each of `terms` ({term: Postings}), or None when one is not hot."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT term, seq FROM search_hot_term WHERE term IN "
                       f"({', '.join(['%s'] * len(terms))})", list(terms))
        seqs = dict(cursor.fetchall())
        if len(seqs) < len(set(terms)):
            return None
        return {term: _current(cursor, term, seq) for term, seq in seqs.items()}


def _current(cursor, term, seq):
    key = (connection.alias, connection.settings_dict["NAME"], term)
    entry = _cache.get(key)
    if entry is None or entry.base_seq != seq:
        cursor.execute("SELECT seq, postings, dictionary FROM search_hot_term WHERE term = %s",
                       [term])
        seq, blob, dictionary = cursor.fetchone()
        entry = Postings(np.frombuffer(bytes(blob), dtype=DTYPE), json.loads(dictionary), seq)
    # A refresh deletes only the changes older than the refresh before it, so those after
    # `entry.seq` are all still here even if a refresh replaced the array meanwhile.
    cursor.execute(f"SELECT seq, {', '.join(CHANGE_COLUMNS)} FROM search_posting_change "
                   "WHERE term = %s AND seq > %s ORDER BY seq", [term, entry.seq])
    entry = entry.applied(cursor.fetchall())
    _cache.put(key, entry)
    return entry


def _ranked(values, counts):
    """[(value, count)] of the nonzero `counts` (indexed by code), most frequent first, ties by
    value."""
    codes = np.flatnonzero(counts)
    pairs = zip([values[c] for c in codes.tolist()], counts[codes].tolist(), strict=True)
    return sorted(pairs, key=lambda vc: (-vc[1], vc[0]))


def search(postings, accepted, region_path, offset, limit):
    """Count, rank and page the documents holding every term (`postings`: one Postings per
    query term, repeats included, as the score counts them).

    `accepted`: facet column → accepted values (provider ids as ints); `region_path`: keep that
    path and its subtree, or None. Returns (total, {column: [(value, count)]}, [(id, score)]).
    """
    base = min(postings, key=lambda p: len(p.rows))
    rows = base.rows
    mask = np.ones(len(rows), dtype=bool)
    score = np.zeros(len(rows), dtype=np.int64)
    for entry in postings:
        if entry is base:
            score += rows["score"]
            continue
        at = np.searchsorted(entry.rows["id"], rows["id"])
        found = at < len(entry.rows)
        found[found] &= entry.rows["id"][at[found]] == rows["id"][found]
        mask &= found
        score[found] += entry.rows["score"][at[found]]
    for column, values in accepted.items():
        if column == "provider_id":
            mask &= np.isin(rows["provider_id"], np.array(values, dtype=np.int64))
        else:
            codes = [base.codes[column][v] for v in values if v in base.codes[column]]
            mask &= np.isin(rows[column], np.array(codes, dtype=np.uint16))
    if region_path is not None:
        subtree = [code for code, path in enumerate(base.values["region_path"])
                   if path == region_path or path.startswith(region_path + "/")]
        mask &= np.isin(rows["region_path"], np.array(subtree, dtype=np.uint16))
    kept = np.flatnonzero(mask)
    facets = {}
    for column in ("region_code", "classification", "share_type", "open_type", "format",
                   "update_cycle"):
        counts = np.bincount(rows[column][kept], minlength=len(base.values[column]))
        facets[column] = _ranked(base.values[column], counts)
    counts = np.bincount(base.provider_code[kept], minlength=len(base.providers))
    # Many providers: rank them in numpy (count descending, then id).
    codes = np.flatnonzero(counts)
    codes = codes[np.lexsort((base.providers[codes], -counts[codes]))]
    facets["provider_id"] = list(zip(base.providers[codes].tolist(), counts[codes].tolist(),
                                     strict=True))
    wanted = min(offset + limit, len(kept))
    if wanted <= offset:
        return len(kept), facets, []
    # Best first: score, then newest (rank 0), which also breaks ties by id (ranks are unique).
    key = score[kept] * (len(rows) + 1) + (len(rows) - base.rank[kept])
    top = np.argpartition(-key, wanted - 1)[:wanted] if wanted < len(kept) else np.arange(
        len(kept))
    top = top[np.argsort(-key[top], kind="stable")][offset:wanted]
    return len(kept), facets, [(int(rows["id"][kept[i]]), int(score[kept[i]])) for i in top]


class Builder:
    """Collects every document's hot terms in one pass, then packs each term's array."""

    def __init__(self, hot):
        self.hot = hot
        self.ids, self.ats, self.providers = array("q"), array("q"), array("q")
        self.codes = {column: array("H") for column in CODED}
        self.values = {column: {} for column in CODED}
        self.members = {term: (array("i"), array("h")) for term in hot}

    def add(self, doc, scores):
        row = len(self.ids)
        self.ids.append(doc.resource_id)
        self.ats.append(microseconds(doc.published_at))
        self.providers.append(doc.provider_id)
        for column in CODED:
            values = self.values[column]
            self.codes[column].append(values.setdefault(getattr(doc, column), len(values)))
        for term, score in scores.items():
            if term in self.members:
                positions, points = self.members[term]
                positions.append(row)
                points.append(score)

    def packed(self):
        """(term, number of documents, bytes, dictionary JSON) of every hot term."""
        columns = {"id": np.frombuffer(self.ids, dtype=np.int64),
                   "at": np.frombuffer(self.ats, dtype=np.int64),
                   "provider_id": np.frombuffer(self.providers, dtype=np.int64),
                   **{c: np.frombuffer(self.codes[c], dtype=np.uint16) for c in CODED}}
        values = {column: list(vs) for column, vs in self.values.items()}
        for term in sorted(self.members):
            positions, points = self.members.pop(term)
            at = np.frombuffer(positions, dtype=np.int32) if positions else np.zeros(0, int)
            rows = np.empty(len(at), dtype=DTYPE)
            for name, column in columns.items():
                rows[name] = column[at]
            rows["score"] = np.frombuffer(points, dtype=np.int16) if points else 0
            yield (term, len(rows), *pack(rows, values))
