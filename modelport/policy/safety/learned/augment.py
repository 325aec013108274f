"""Training-time variants of the corpus texts (deterministic; never applied to evaluation sets).

Real prompts are not as tidy as a written corpus, so each training text is also seen

* **noisy**: lower-cased, without punctuation, with a typo or two (a letter dropped, doubled or
  swapped with its neighbour) in longer words;
* **in context**: after or before an ordinary sentence of the same language (a harmful request
  stays harmful inside small talk, and a look-alike stays benign), once as its own sentence and
  once run on without punctuation (one chunk, where the ordinary words dilute it);
* benign texts also as **fragments** of one to five words, and as their first few words, which
  is what a stream guard's first windows look like; longer benign passages (model-written
  prose) also as **window slices** of six to sixteen words starting anywhere, as the guard's
  later windows cut them (mid-sentence, across a sentence end).

Document attacks are also composed: an ordinary request, a few ordinary sentences as the
"document", and a direct attack sentence hidden among them (the benign twin is the same document
without the attack).
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

from modelport.policy.safety.learned.corpus import Sample

_PUNCT = re.compile(r"[^\w\s']+")
FRAGMENTS_PER_BENIGN = 1
SLICES_PER_PASSAGE = 2
PASSAGE_WORDS = 20  # a benign text longer than this is a passage: it also gets window slices
COMPOSED_DOCUMENTS_PER_LANGUAGE = 60


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 5 or not word.isalpha():
        return word
    i = rng.randrange(1, len(word) - 1)
    move = rng.randrange(3)
    if move == 0:
        return word[:i] + word[i + 1 :]
    if move == 1:
        return word[:i] + word[i] + word[i:]
    return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]


def noisy(text: str, rng: random.Random) -> str:
    """Lower case, no punctuation, one or two typos."""
    words = _PUNCT.sub(" ", text.lower()).split()
    if not words:
        return text
    for _ in range(rng.randint(1, 2)):
        i = rng.randrange(len(words))
        words[i] = _typo(words[i], rng)
    return " ".join(words)


def fragments(text: str, rng: random.Random, count: int) -> list[str]:
    words = text.split()
    out = []
    for _ in range(count):
        size = rng.randint(1, min(5, len(words)))
        start = rng.randint(0, len(words) - size)
        out.append(" ".join(words[start : start + size]))
    return out


def augment(samples: Sequence[Sample], seed: int) -> list[Sample]:
    """The samples, plus their variants (see the module docstring)."""
    rng = random.Random(seed)
    ordinary: dict[str, list[str]] = {}
    attacks: dict[str, list[str]] = {}
    requests: dict[str, list[str]] = {}
    for s in samples:
        if s.section == "general":
            ordinary.setdefault(s.lang, []).append(s.text)
        elif s.form == "direct":
            attacks.setdefault(s.lang, []).append(s.text)
        elif s.section == "attack" and s.kind == "benign" and len(s.text.split()) <= 12:
            requests.setdefault(s.lang, []).append(s.text)
    out: list[Sample] = []
    for s in samples:
        out.append(s)
        if s.form == "document" or "\n" in s.text:
            continue
        out.append(s.with_text(noisy(s.text, rng)))
        context = ordinary.get(s.lang)
        if context and s.section != "general" and len(s.text.split()) <= 24:
            other = rng.choice(context)
            text = f"{other} {s.text}" if rng.random() < 0.5 else f"{s.text} {other}"
            out.append(s.with_text(text))
            # Run on, without punctuation: one chunk in which the other words dilute this text.
            run_on = _PUNCT.sub(" ", rng.choice(context)).split()
            cut = run_on[: rng.randint(min(3, len(run_on)), min(12, len(run_on)))]
            words = _PUNCT.sub(" ", s.text).split()
            joined = [*cut, *words] if rng.random() < 0.5 else [*words, *cut]
            if len(joined) <= 30:
                out.append(s.with_text(" ".join(joined)))
        if s.kind == "benign" and len(s.text.split()) > 3:
            out.extend(s.with_text(f) for f in fragments(s.text, rng, FRAGMENTS_PER_BENIGN))
            # A stream guard's first check sees the start of an answer: a few first words.
            words = s.text.split()
            out.append(s.with_text(" ".join(words[: rng.randint(1, min(6, len(words) - 1))])))
            if len(words) > PASSAGE_WORDS:
                for _ in range(SLICES_PER_PASSAGE):
                    size = rng.randint(6, 16)
                    start = rng.randint(0, len(words) - size)
                    out.append(s.with_text(" ".join(words[start : start + size])))
    for lang, texts in sorted(ordinary.items()):
        asks, injected = requests.get(lang), attacks.get(lang)
        if not asks or not injected or len(texts) < 4:
            continue
        for number in range(COMPOSED_DOCUMENTS_PER_LANGUAGE):
            body = rng.sample(texts, 4)
            head = rng.choice(asks)
            if number % 2:
                body.insert(rng.randint(1, 3), rng.choice(injected))
                kind, form = "attack", "document"
            else:
                kind, form = "benign", ""
            text = f"{head}\n\n" + " ".join(body)
            out.append(
                Sample(text, lang, "attack", kind, form=form, group=f"{lang}/composed/{number}")
            )
    return out
