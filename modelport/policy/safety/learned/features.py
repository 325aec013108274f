"""Text → chunks → features, shared by training and inference so both see the same thing.

A text is cut into sentences (``. ! ? ؟ ;`` followed by a space, and line breaks), sentences are
packed greedily into chunks of at most :data:`CHUNK_WORDS` words (longer sentences are cut into
overlapping windows), and each chunk is normalised with
:func:`~modelport.policy.safety.normalize.normalize` (case, diacritics, leetspeak, look-alike
letters). A chunk's features are its words, its word pairs and the character 3-, 4- and 5-grams
of the space-padded normalised text. Long texts are classified chunk by chunk and the worst chunk
decides, so one harmful sentence in a long document is not diluted away.
"""

from __future__ import annotations

import itertools
import re

from modelport.policy.safety.normalize import normalize

CHUNK_WORDS = 32
"""Most words in one chunk."""
_OVERLAP = 8
_SENTENCE_END = re.compile(r"(?<=[.!?؟;。])\s+|\n+")
CHAR_NGRAMS = (3, 4, 5)


def chunks(text: str) -> list[str]:
    """The normalised chunks of ``text`` (none for text without words)."""
    out: list[str] = []
    current: list[str] = []
    for sentence in _SENTENCE_END.split(text):
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


def features(chunk: str) -> list[str]:
    """The feature strings of one normalised chunk (duplicates included)."""
    words = chunk.split(" ")
    padded = f" {chunk} "
    feats = [f"w:{w}" for w in words]
    feats.extend(f"b:{a} {b}" for a, b in itertools.pairwise(words))
    size = len(padded)
    for n in CHAR_NGRAMS:
        feats.extend(padded[i : i + n] for i in range(size - n + 1))
    return feats
