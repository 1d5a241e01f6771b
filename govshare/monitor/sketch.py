"""Counting distinct keys without keeping them: a linear-counting bitmap (Whang, Vander-Zanden
and Taylor, "A linear-time probabilistic counting algorithm", ACM TODS 15(2), 1990).

Each key sets one of M bits chosen by its hash; n distinct keys leave about M·e^(−n/M) bits
clear, so n ≈ −M·ln(clear/M). Bitmaps of different hours merge by OR, which is what lets the
detector count the distinct keys of a day, or of a baseline fortnight, from hourly windows it
folded in incrementally. With M = 16384 (2 KiB a window) the estimate is within a few per cent
up to tens of thousands of keys, far above any alert threshold, and exact in practice for the
few hundred keys of ordinary use. It saturates near M·ln M ≈ 160,000.
"""

import hashlib
import math

BITS = 16384
SIZE = BITS // 8


def _bit(key: str) -> int:
    digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % BITS


def add(bitmap: bytes, keys) -> bytes:
    """`bitmap` with the bits of `keys` set (an empty bitmap is all clear)."""
    value = int.from_bytes(bitmap or bytes(SIZE), "big")
    for key in keys:
        value |= 1 << _bit(key)
    return value.to_bytes(SIZE, "big")


def merge(bitmaps) -> bytes:
    value = 0
    for bitmap in bitmaps:
        if bitmap:
            value |= int.from_bytes(bitmap, "big")
    return value.to_bytes(SIZE, "big")


def estimate(bitmap: bytes) -> int:
    """The number of distinct keys added to `bitmap`, estimated."""
    if not bitmap:
        return 0
    clear = BITS - int.from_bytes(bitmap, "big").bit_count()
    if clear == 0:
        return round(BITS * math.log(BITS))
    return round(-BITS * math.log(clear / BITS))
