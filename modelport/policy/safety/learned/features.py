"""Text → chunks → hashed features, shared by training and inference so both see the same thing.

**Chunks.** A text is cut into sentences (``. ! ? ؟ ; …`` followed by a space, and line
breaks); each sentence is normalised with :func:`~modelport.policy.safety.normalize.normalize`
(case, diacritics, leetspeak, look-alike letters, spelled-out words); sentences are packed
greedily into chunks of at most :data:`CHUNK_WORDS` words (a longer sentence is cut into
overlapping windows). A text is scored chunk by chunk and its worst chunk decides, so one harmful
sentence in a long document is not diluted away, and a stream guard's window is scored like a
prompt of the same words.

**Features** of a chunk, all hashed into ``2**bits`` buckets (no vocabulary to ship):

* character n-grams, ``n`` = 2…5, *inside* the space-padded words (``" kil"``, ``"ill "``; none
  spans two words);
* the words themselves and each pair of neighbouring words.

Hashing is vectorised with numpy: the chunks are joined into one array of code points, n-gram
hashes are built incrementally (``h_n = h_{n-1} + c[i+n-1]·K_{n-1}``, 64-bit wrap-around), word
hashes by one ``add.reduceat`` over position-weighted code points, and every hash is mixed and
cut to ``bits`` bits with one multiply and shift. There is no Python loop per n-gram.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from modelport.policy.safety.normalize import normalize

CHUNK_WORDS = 32
"""Most words in one chunk."""
_OVERLAP = 8
_SENTENCE_END = re.compile(r"(?<=[.!?؟;。…:])\s+|\n+")
NGRAMS = (2, 3, 4, 5)
"""Character n-gram sizes."""
DEFAULT_BITS = 18

_SEP = 0x0A  # between chunks in the joined array; no n-gram or word pair crosses it
_SPACE = 0x20
_MASK64 = (1 << 64) - 1


def _odd_constants(count: int, seed: int) -> npt.NDArray[np.uint64]:
    rng = np.random.default_rng(seed)
    return rng.integers(1, 1 << 63, size=count, dtype=np.uint64) * np.uint64(2) + np.uint64(1)


# Fixed multipliers: changing them changes every bucket, so they are part of the model format.
_OFFSET_KEYS = _odd_constants(max(NGRAMS), 20251201)  # per position inside a character n-gram
_WORD_KEYS = _odd_constants(64, 20251202)  # per position inside a word (modulo 64)
_KIND_SALT = _odd_constants(8, 20251203)  # one per feature kind (n = 2..5, word, pair)
_MIX = np.uint64(0x9E3779B97F4A7C15)
_PAIR_LEFT, _PAIR_RIGHT = _odd_constants(2, 20251204)


def chunks(text: str) -> list[str]:
    """The normalised chunks of ``text`` (none for text without words)."""
    out: list[str] = []
    current: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        if not sentence:
            continue
        words = normalize(sentence).split()
        if not words:
            continue
        if current and len(current) + len(words) > CHUNK_WORDS:
            out.append(" ".join(current))
            current = []
        while len(words) > CHUNK_WORDS:
            out.append(" ".join(words[:CHUNK_WORDS]))
            words = words[CHUNK_WORDS - _OVERLAP :]
        current.extend(words)
    if current:
        out.append(" ".join(current))
    return out


@dataclass(frozen=True, slots=True)
class Hashed:
    """The features of some chunks: ``buckets[i]`` belongs to chunk ``chunk[i]``.

    ``sizes[c]`` is the number of features of chunk ``c`` (duplicates counted).
    """

    buckets: npt.NDArray[np.int64]
    chunk: npt.NDArray[np.int64]
    sizes: npt.NDArray[np.int64]


def hash_chunks(parts: list[str], bits: int = DEFAULT_BITS) -> Hashed:
    """Hashed features of normalised chunks (see the module docstring)."""
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return Hashed(empty, empty, empty)
    top = max(NGRAMS)
    joined = "\n".join(f" {p} " for p in parts) + "\n" * top
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    size = len(codes) - top  # the padding only completes the last windows
    is_sep = codes == _SEP
    is_break = is_sep | (codes == _SPACE)
    chunk_at = np.cumsum(is_sep[:size])  # chunk index of each position
    position = np.arange(size)
    break_at = np.flatnonzero(is_break)
    following = break_at[np.searchsorted(break_at, position, side="right")]
    room = following - position  # a window [i, i+n) has no break inside iff room[i] >= n-1
    # An n-gram may start at a letter or at a word's leading space, never at a separator or at
    # the trailing space of a chunk (every window from there holds a separator).
    can_start = ~is_sep[:size] & ~is_sep[1 : size + 1]
    with np.errstate(over="ignore"):
        rolling = np.empty((top, size), dtype=np.uint64)  # row k: the (k+1)-gram at each i
        rolling[0] = codes[:size] * _OFFSET_KEYS[0]
        for k in range(1, top):
            np.multiply(codes[k : k + size], _OFFSET_KEYS[k], out=rolling[k])
            rolling[k] += rolling[k - 1]
        lengths = np.asarray(NGRAMS)
        keep = can_start & (room >= (lengths - 1)[:, None])
        kind, start = np.nonzero(keep)
        grams = rolling[lengths - 1][keep] + _KIND_SALT[kind]
        # A word's hash: the sum of the character pairs of its padded form (word_start - 1 to
        # its following break), from prefix sums of the pair hashes.
        pair_sums = np.concatenate(([np.uint64(0)], np.cumsum(rolling[1])))
        first = np.flatnonzero(~is_break[:size] & is_break[np.maximum(position - 1, 0)])
        words = pair_sums[following[first]] - pair_sums[first - 1] + _KIND_SALT[4]
        word_chunk = chunk_at[first]
        same = word_chunk[1:] == word_chunk[:-1]
        pairs = words[:-1][same] * _PAIR_LEFT + words[1:][same] * _PAIR_RIGHT + _KIND_SALT[5]
        mixed = np.concatenate((grams, words, pairs)) * _MIX
        mixed ^= mixed >> np.uint64(29)
        mixed *= _MIX
    buckets = (mixed >> np.uint64(64 - bits)).astype(np.int64)
    chunk = np.concatenate((chunk_at[start], word_chunk, word_chunk[1:][same]))
    counts = np.bincount(chunk, minlength=len(parts))
    return Hashed(buckets, chunk, counts)
