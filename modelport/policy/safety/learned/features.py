"""Text → chunks → hashed features, shared by training and inference so both see the same thing.

**Chunks.** A text is cut into lines, and lines into sentences (``. ! ? ؟ ; …`` followed by a
space); each sentence is normalised with :func:`~modelport.policy.safety.normalize.normalize`
(case, diacritics, leetspeak, look-alike letters, spelled-out words); the sentences of a line
are packed greedily into chunks of at most :data:`CHUNK_WORDS` words (a longer sentence is cut
into overlapping windows); no chunk spans two lines, so the parts of a prompt (messages, tool
descriptions, schema fields, a document's paragraphs) are judged apart. A text is scored
chunk by chunk and its worst chunk decides, so one harmful sentence in a long document is not
diluted away, while a short request keeps the context of its neighbouring sentences.
(Validation figures for 20, 24 and 32 words and for one sentence per chunk lie on the same
recall/false-block curve; 24 keeps multi-sentence prompt attacks together and still isolates a
harmful sentence in a stream guard's window.)

**Features** of a chunk, all hashed into ``2**bits`` buckets (no vocabulary to ship):

* character n-grams, ``n`` = 2…5, *inside* the space-padded words (``" kil"``, ``"ill "``; none
  spans two words);
* the words themselves and each pair of neighbouring words;
* with ``edges`` (a model's choice, recorded in its manifest): the chunk's first word marked as
  first, its last word and its last pair of words marked as last. A linear model cannot see
  what a text lacks: "I will kill you" has no feature that "I will kill you at chess" lacks, so
  only the look-alike's extra words told them apart. "kill you" *as the last words* is such a
  feature.

Hashing is vectorised with numpy: the chunks are joined into one array of code points, n-gram
hashes of every size at every position come from one product of the windows of code points with
a key matrix (``h = Σ c[i+k]·K_k``, 64-bit wrap-around), a word's hash is the sum of its
character pairs' (prefix sums), and the top ``bits`` bits of a hash are its bucket. There is no
Python loop per n-gram.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from modelport.policy.safety.normalize import normalize

CHUNK_WORDS = 24
"""Most words in one chunk."""
_OVERLAP = 8
_SENTENCE_END = re.compile(r"(?<=[.!?؟;。…:])\s+|\n+")
NGRAMS = (2, 3, 4, 5)
"""Character n-gram sizes."""
DEFAULT_BITS = 18
SCALE_BY_SIZE = True
"""Whether a chunk's feature weights are divided by √(its feature count) (else by a constant)."""
_CONSTANT_SCALE = 1.0 / 12.0  # √ of a typical chunk's feature count


def chunk_scale(sizes: npt.NDArray[np.int64]) -> npt.NDArray[np.float32]:
    """The factor applied to each chunk's summed feature weights (training and inference)."""
    if SCALE_BY_SIZE:
        return (1.0 / np.sqrt(np.maximum(sizes, 1))).astype(np.float32)
    return np.full(len(sizes), _CONSTANT_SCALE, dtype=np.float32)


def _odd_constants(count: int, seed: int) -> npt.NDArray[np.uint64]:
    rng = np.random.default_rng(seed)
    return rng.integers(1, 1 << 63, size=count, dtype=np.uint64) * np.uint64(2) + np.uint64(1)


# Fixed multipliers: changing them changes every bucket, so they are part of the model format.
_OFFSET_KEYS = _odd_constants(max(NGRAMS), 20251201)  # per position inside a character n-gram
_KIND_SALT = _odd_constants(8, 20251203)  # per kind: n = 2..5, word, pair, first, last
_PAIR_LEFT, _PAIR_RIGHT = _odd_constants(2, 20251204)
_EDGE_FIRST, _EDGE_LAST, _EDGE_LAST_PAIR = _odd_constants(3, 20261203)
_TOP = max(NGRAMS)
# Column j of _GRAM_KEYS hashes the (j+2)-gram starting at a position: Σ code[i+k]·K_k, k < j+2.
_GRAM_KEYS = np.zeros((_TOP, len(NGRAMS)), dtype=np.uint64)
for _j, _n in enumerate(NGRAMS):
    _GRAM_KEYS[:_n, _j] = _OFFSET_KEYS[:_n]
_GRAM_SALT = _KIND_SALT[: len(NGRAMS)]
_MIN_ROOM = np.asarray(NGRAMS, dtype=np.int64) - 1
_WINDOW = np.arange(_TOP)
_PRE = 4096  # positions with precomputed window indices; longer inputs compute their own
_POSITIONS = np.arange(_PRE, dtype=np.int64)
_WINDOWS = _POSITIONS[:, None] + _WINDOW[None, :]


def chunks(text: str) -> list[str]:
    """The normalised chunks of ``text`` (none for text without words)."""
    out: list[str] = []
    for line in text.splitlines():
        current: list[str] = []
        for sentence in _SENTENCE_END.split(line):
            if not sentence:
                continue
            words = normalize(sentence).split()
            if not words:
                continue
            if current and len(current) + len(words) > CHUNK_WORDS:
                out.append(" ".join(current))
                current = []
            while len(words) > CHUNK_WORDS:  # a long sentence: overlapping windows
                out.append(" ".join(words[:CHUNK_WORDS]))
                words = words[CHUNK_WORDS - _OVERLAP :]
            current.extend(words)
        if current:
            out.append(" ".join(current))
    return out


# A clause ends at a comma, semicolon, colon or sentence end followed by a space or the text's
# end, or at a CJK mark (no space follows those).
_CLAUSE_END = re.compile(
    r"[,;:.!?\u060c\u061b\u061f\u2026](?=\s|$)|[\u3001\u3002\uff01\uff0c\uff1a\uff1b\uff1f]"
)
_WORD = re.compile(r"\w")


def finished_clauses(text: str) -> str | None:
    """``text`` up to its last clause mark when words follow that mark, else ``None``.

    A completion window ends wherever the stream was cut, often a word or two into a new
    clause ("… kill you tonight, and"); those first words say nothing yet, but a model may have
    learned them as benign. The window without them is judged too (see
    :meth:`~modelport.policy.safety.learned.model.LinearSafetyModel.window_logits`).
    """
    ends = [m.end() for m in _CLAUSE_END.finditer(text)]
    if not ends or not _WORD.search(text, ends[-1]):
        return None
    return text[: ends[-1]]


@dataclass(frozen=True, slots=True)
class Hashed:
    """The features of some chunks: ``buckets[i]`` belongs to chunk ``chunk[i]``.

    ``sizes[c]`` is the number of features of chunk ``c`` (duplicates counted); ``chunk`` is
    ``None`` when there is a single chunk.
    """

    buckets: npt.NDArray[np.uint64]
    chunk: npt.NDArray[np.int64] | None
    sizes: npt.NDArray[np.int64]


_EMPTY = Hashed(np.zeros(0, dtype=np.uint64), None, np.zeros(0, dtype=np.int64))


def _edge_features(
    words: npt.NDArray[np.uint64],
    pairs: npt.NDArray[np.uint64],
    first: npt.NDArray[np.bool_],
    last: npt.NDArray[np.bool_],
    last_pair: npt.NDArray[np.bool_],
) -> npt.NDArray[np.uint64]:
    """The first word, last word and last pair of each chunk, each hashed as its own kind."""
    return np.concatenate(
        (
            words[first] * _EDGE_FIRST + _KIND_SALT[6],
            words[last] * _EDGE_LAST + _KIND_SALT[7],
            pairs[last_pair] * _EDGE_LAST_PAIR + _KIND_SALT[7],
        )
    )


def hash_chunks(parts: list[str], bits: int = DEFAULT_BITS, *, edges: bool = False) -> Hashed:
    """Hashed features of normalised chunks (see the module docstring).

    Every step is one numpy operation over all positions at once; a text costs a few dozen of
    them whatever its length, so short texts (most prompts, a stream guard's windows) stay cheap.
    """
    if not parts:
        return _EMPTY
    joined = "\n".join(f" {p} " for p in parts) + "\n" * _TOP
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
    size = len(codes) - _TOP  # the padding only completes the last windows
    is_break = codes <= 0x20  # the separator (line feed) and the space
    if size <= _PRE:
        position, windows = _POSITIONS[:size], _WINDOWS[:size]
    else:
        position = np.arange(size, dtype=np.int64)
        windows = position[:, None] + _WINDOW[None, :]
    break_at = np.flatnonzero(is_break)
    following = break_at[np.searchsorted(break_at, position, side="right")]
    shift = np.uint64(64 - bits)
    # Array arithmetic wraps around silently (only numpy scalars warn), which a hash wants.
    grams = codes.astype(np.uint64)[windows] @ _GRAM_KEYS  # (size, len(NGRAMS))
    # Kept: no break strictly inside the window (room), and not starting at a separator or at a
    # chunk's trailing space (every window from there holds a separator).
    keep = (following - position)[:, None] >= _MIN_ROOM
    if len(parts) > 1:
        is_sep = codes == 0x0A
        keep &= ~(is_sep[:size] | is_sep[1 : size + 1])[:, None]
    keep[size - 1] = False
    # A word's hash: the sum of the character pairs of its padded form, from prefix sums.
    pair_sums = np.cumsum(grams[:, 0])
    pair_sums[-1] = 0  # index -1: the empty prefix before the first word (never a word end)
    first = np.flatnonzero(is_break[: size - 1] & ~is_break[1:size]) + 1
    words = pair_sums[following[first] - 1] - pair_sums[first - 2] + _KIND_SALT[4]
    if len(parts) == 1:
        pairs = words[:-1] * _PAIR_LEFT + words[1:] * _PAIR_RIGHT + _KIND_SALT[5]
        found = [(grams + _GRAM_SALT)[keep], words, pairs]
        if edges:
            at = np.arange(len(words))
            found.append(
                _edge_features(words, pairs, at == 0, at == len(words) - 1, at[1:] == len(pairs))
            )
        hashes = np.concatenate(found)
        return Hashed(hashes >> shift, None, np.array([len(hashes)], dtype=np.int64))
    start = np.nonzero(keep)[0]
    chunk_at = np.cumsum(is_sep[:size])
    word_chunk = chunk_at[first]
    same = word_chunk[1:] == word_chunk[:-1]
    all_pairs = words[:-1] * _PAIR_LEFT + words[1:] * _PAIR_RIGHT + _KIND_SALT[5]
    pairs = all_pairs[same]
    found = [(grams + _GRAM_SALT)[keep], words, pairs]
    owners = [chunk_at[start], word_chunk, word_chunk[1:][same]]
    if edges:
        is_first = np.concatenate(([True], ~same))
        is_last = np.concatenate((~same, [True]))
        last_pair = same & is_last[1:]  # over all neighbouring pairs
        found.append(_edge_features(words, all_pairs, is_first, is_last, last_pair))
        owners.append(
            np.concatenate((word_chunk[is_first], word_chunk[is_last], word_chunk[1:][last_pair]))
        )
    hashes = np.concatenate(found)
    chunk = np.concatenate(owners)
    return Hashed(hashes >> shift, chunk, np.bincount(chunk, minlength=len(parts)))
