"""Chinese word segmentation for the search index, with jieba loaded once per process.

Documents go through `tokens()`: NFKC (full-width letters and digits become ASCII), lower case,
then `jieba.cut_for_search` without the HMM, so each word also yields its dictionary sub-words
(常住人口 → 常住, 人口, 常住人口). Queries go through `query_tokens()`: the same normalisation
and dictionary, but only the words (`jieba.cut`), because a document that holds a word always
holds that word's sub-words too: requiring 常住人口 alone finds exactly what requiring 常住,
人口 and 常住人口 finds, with one term to look up instead of three. The HMM guesses new words from
context, which would let one string segment differently in a query and in a document; without it
an unknown word falls apart into characters, which still match each other.

jieba is imported and its dictionary loaded (about 0.5 s from its cache, 1 s without) on the first
call only, never on the import path of requests that do not search. Its cache file goes to the
system temporary directory, which `tempfile` checks is writable. jieba reads only the dictionary
shipped inside its package and never the network (only its optional paddle mode would install
software, and it is never enabled here).
"""

import logging
import re
import tempfile
import threading
import unicodedata
from functools import lru_cache

from .dictionary import GOVERNMENT_TERMS

_lock = threading.Lock()
_tokenizer = None

# jieba cuts each run of these characters on its own and drops what lies between runs (its
# re_han_default), so cutting run by run gives the same words and lets a run be cached.
_RUN = re.compile(r"[\u4E00-\u9FD5a-zA-Z0-9+#&._%\-]+")
# The pieces SQLite's unicode61 tokenizer keeps: letters and digits, never "_" or punctuation.
# Splitting jieba's words the same way gives both databases exactly the same terms.
_WORD = re.compile(r"[^\W_]+")


def _load():
    global _tokenizer
    with _lock:
        if _tokenizer is None:
            import jieba

            logging.getLogger("jieba").setLevel(logging.WARNING)
            tokenizer = jieba.Tokenizer()
            tokenizer.tmp_dir = tempfile.gettempdir()
            tokenizer.initialize()
            for word, frequency in GOVERNMENT_TERMS:
                tokenizer.add_word(word, frequency)
            _tokenizer = tokenizer
    return _tokenizer


@lru_cache(maxsize=200_000)
def _cut(run: str, for_search: bool = True) -> tuple[str, ...]:
    # Catalogs repeat the same item and department names across thousands of resources; caching
    # by run makes rebuilding the index several times faster.
    tokenizer = _tokenizer or _load()
    cut = tokenizer.cut_for_search if for_search else tokenizer.cut
    words = []
    for word in cut(run, HMM=False):
        words.extend(_WORD.findall(word))
    return tuple(words)


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").lower()


def tokens(text: str) -> list[str]:
    """The terms a document's `text` is indexed under, in order, repeats kept."""
    words = []
    for run in _RUN.findall(normalize(text)):
        words.extend(_cut(run))
    return words


def query_tokens(text: str) -> list[str]:
    """The terms a search for `text` requires, in order, each once."""
    words = []
    for run in _RUN.findall(normalize(text)):
        words.extend(_cut(run, False))
    return list(dict.fromkeys(words))


def warm_up():
    """Load the dictionary now (a worker may call this before it serves requests)."""
    _load()
