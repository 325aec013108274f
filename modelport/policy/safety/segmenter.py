"""Deterministic check windows over a growing completion text.

The stream guard must give exactly the same visible text and finish reason whether a completion
arrives in one piece or in arbitrary deltas. So *where* the text is checked and released depends
only on the text itself, never on how it was chunked:

* the text is cut into **segments** ending just before the first whitespace at least
  ``window_chars`` after the segment start (``first_window_chars`` for the first segment, so
  that the first text is not kept waiting; or after ``max_segment_chars`` without any
  whitespace), so a segment never ends inside a word;
* a segment is checked together with a **lookahead** (text up to the first whitespace at least
  ``lookahead_chars`` past the segment end) so that a benign continuation ("shoot you *an
  email*") is seen before anything is judged, and with up to ``context_chars`` of already
  released **context** (starting at a word boundary) so that a phrase split across segments is
  caught (the first segment's lookahead is at most its window);
* when the text ends, the remaining segments are cut the same way, the last one ending at the
  end of the text.

A segment is released only after its check passed. Memory stays bounded: only the context and
the unreleased text are kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SPACE = re.compile(r"\s")

DEFAULT_WINDOW_CHARS = 48
DEFAULT_LOOKAHEAD_CHARS = 24
DEFAULT_CONTEXT_CHARS = 64
DEFAULT_MAX_SEGMENT_CHARS = 256


@dataclass(frozen=True, slots=True)
class WindowSettings:
    """Sizes, in characters, of the guard's windows (see the module docstring)."""

    window_chars: int = DEFAULT_WINDOW_CHARS
    lookahead_chars: int = DEFAULT_LOOKAHEAD_CHARS
    context_chars: int = DEFAULT_CONTEXT_CHARS
    max_segment_chars: int = DEFAULT_MAX_SEGMENT_CHARS
    first_window_chars: int | None = None  # None: the same as window_chars

    def __post_init__(self) -> None:
        if self.window_chars < 1 or self.lookahead_chars < 0 or self.context_chars < 0:
            raise ValueError("window_chars must be positive; lookahead and context non-negative")
        if self.first_window_chars is not None and self.first_window_chars < 1:
            raise ValueError("first_window_chars must be positive")
        if self.max_segment_chars < max(self.window_chars, self.first_window_chars or 0):
            raise ValueError("max_segment_chars must be at least window_chars")

    def window(self, start: int) -> tuple[int, int]:
        """The window and lookahead of the segment starting at offset ``start``."""
        if start == 0 and self.first_window_chars is not None:
            first = self.first_window_chars
            return first, min(self.lookahead_chars, first)
        return self.window_chars, self.lookahead_chars

    def lag_bound(self, longest_word: int) -> int:
        """The most text released after the start of an offending segment before an
        asynchronous check cuts the choice: the segment, its lookahead, and the partial word
        and delta at each end (``longest_word``: the longest run without whitespace, at most
        ``max_segment_chars``)."""
        word = min(longest_word, self.max_segment_chars)
        return self.window_chars + self.lookahead_chars + 2 * word


@dataclass(frozen=True, slots=True)
class Check:
    """One pending check: classify ``text``; if it passes, release up to ``release_end``."""

    text: str
    release_end: int


class Segmenter:
    """Cuts a growing text into checkable, releasable segments (see the module docstring)."""

    def __init__(self, settings: WindowSettings | None = None) -> None:
        self._settings = settings or WindowSettings()
        self._buffer = ""  # the text from absolute offset self._base on
        self._base = 0
        self._total = 0
        self._released = 0
        self._segment_end: int | None = None

    @property
    def released(self) -> int:
        """How many characters have been released so far."""
        return self._released

    @property
    def total(self) -> int:
        """How many characters have been fed so far."""
        return self._total

    def feed(self, text: str) -> None:
        """Append text received from the engine."""
        self._buffer += text
        self._total += len(text)

    def next_check(self, final: bool) -> Check | None:
        """The check for the next unreleased segment, or ``None`` until it can be decided.

        ``final`` says that no more text will come.
        """
        if self._released >= self._total:
            return None
        settings = self._settings
        window, lookahead = settings.window(self._released)
        if self._segment_end is None:
            start = self._released
            self._segment_end = self._boundary(
                start + window, start + settings.max_segment_chars, final
            )
            if self._segment_end is None:
                return None
        end = self._segment_end
        reach = end + lookahead
        look_end = self._boundary(reach, reach + settings.max_segment_chars, final)
        if look_end is None:
            return None
        return Check(self._slice(self._context_start(), look_end), end)

    def release(self, end: int) -> str:
        """Release the text up to ``end`` (the ``release_end`` of the passed check)."""
        text = self._slice(self._released, end)
        self._released = end
        self._segment_end = None
        keep_from = max(0, end - self._settings.context_chars - 1)
        if keep_from > self._base:
            self._buffer = self._buffer[keep_from - self._base :]
            self._base = keep_from
        return text

    def _slice(self, start: int, end: int) -> str:
        return self._buffer[start - self._base : end - self._base]

    def _boundary(self, at_least: int, limit: int, final: bool) -> int | None:
        """First whitespace offset in ``[at_least, limit)``; else ``limit``; else end if final."""
        if at_least < self._total:
            stop = min(limit, self._total) - self._base
            found = _SPACE.search(self._buffer, at_least - self._base, stop)
            if found is not None:
                return found.start() + self._base
        if self._total >= limit:
            return limit
        return self._total if final else None

    def _context_start(self) -> int:
        """Where the released context of the next check starts: a word start within budget."""
        start = max(0, self._released - self._settings.context_chars)
        if start == 0 or self._buffer[start - 1 - self._base].isspace():
            return start
        found = _SPACE.search(self._buffer, start - self._base, self._released - self._base)
        return self._released if found is None else found.start() + 1 + self._base
