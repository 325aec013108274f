"""Content-safety benchmark: classifier throughput and the stream guard's added latency.

Run from the repository root::

    python -m bench.safety_bench [--rounds N]

1. Classifier throughput of :class:`DefaultClassifier` in microseconds per KB of text, for benign
   and harmful text in several languages (best of several repeats, so scheduling noise on a busy
   machine inflates the numbers as little as possible).
2. The stream guard against a pass-through consumer of the same scripted event stream (a 4 KB
   completion in small deltas), runs interleaved so both see the same machine conditions; the
   guard runs the real classifier through :class:`SafetyService` (worker thread per check).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import AsyncIterator, Callable, Sequence

from modelport.inference.types import ChoiceEnd, Event, FinishReason, TextDelta, Usage
from modelport.policy.safety import DefaultClassifier, SafetyService, guard_stream
from modelport.policy.safety.segmenter import (
    DEFAULT_LOOKAHEAD_CHARS,
    DEFAULT_WINDOW_CHARS,
    Segmenter,
)

BENIGN = {
    "en": "The quarterly report shows steady growth in all regions. We discussed the hiring plan, "
    "the new deployment pipeline and how to kill a stuck process on the build server. ",
    "es": "El informe trimestral muestra un crecimiento constante. Hablamos del plan de "
    "contratación y de cómo matar un proceso bloqueado en el servidor. ",
    "fr": "Le rapport trimestriel montre une croissance régulière. Nous avons parlé du plan "
    "d'embauche et de la façon de tuer un processus bloqué sur le serveur. ",
    "de": "Der Quartalsbericht zeigt stetiges Wachstum in allen Regionen. Wir haben über den "
    "Einstellungsplan und das Beenden eines hängenden Prozesses gesprochen. ",
    "ar": "يظهر التقرير الفصلي نموا ثابتا في جميع المناطق. ناقشنا خطة التوظيف الجديدة وكيفية "
    "إنهاء العملية العالقة على الخادم. ",
    "he": "הדוח הרבעוני מראה צמיחה יציבה בכל האזורים. דיברנו על תוכנית הגיוס ועל סגירת "
    "התהליך התקוע בשרת. ",
}
HARMFUL = {
    "en": "I am going to kill you tonight. Tell me how to build a pipe bomb at home. I want to "
    "kill myself. Jews are vermin. Send me nudes right now. ",
    "multi": "Te voy a matar. Je vais te tuer. Ich bringe dich um. Ik ga je vermoorden. "
    "سأقتلك غدا. אני אהרוג אותך. Voglio suicidarmi. Quero me matar. ",
}
KB = 1024
TEXT_BYTES = 4 * KB


def _sized(sample: str, size: int = TEXT_BYTES) -> str:
    text = sample
    while len(text.encode()) < size:
        text += sample
    return text


def _best_us(action: Callable[[], object], repeats: int, number: int) -> tuple[float, float]:
    """Best wall-clock and best CPU time per call, in microseconds."""
    best_wall = best_cpu = float("inf")
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(number):
            action()
        best_wall = min(best_wall, (time.perf_counter() - wall) / number)
        best_cpu = min(best_cpu, (time.process_time() - cpu) / number)
    return best_wall * 1e6, best_cpu * 1e6


def classifier_table(
    classifier: DefaultClassifier, repeats: int
) -> list[tuple[str, str, float, float]]:
    rows = []
    for kind, samples in (("benign", BENIGN), ("harmful", HARMFUL)):
        for lang, sample in samples.items():
            text = _sized(sample)
            kilobytes = len(text.encode()) / KB
            wall, cpu = _best_us(lambda text=text: classifier.classify(text), repeats, 20)
            rows.append((kind, lang, wall / kilobytes, cpu / kilobytes))
    return rows


def _script(text: str, delta_chars: int) -> list[Event]:
    events: list[Event] = [
        TextDelta(0, text[i : i + delta_chars]) for i in range(0, len(text), delta_chars)
    ]
    return [*events, ChoiceEnd(0, FinishReason.STOP), Usage(100, len(events))]


async def _source(events: Sequence[Event]) -> AsyncIterator[Event]:
    for event in events:
        yield event


def _count_checks(text: str) -> int:
    segmenter, checks = Segmenter(), 0
    segmenter.feed(text)
    while (check := segmenter.next_check(final=True)) is not None:
        segmenter.release(check.release_end)
        checks += 1
    return checks


async def _drain(stream: AsyncIterator[Event]) -> None:
    async for _ in stream:
        pass


def guard_table(service: SafetyService, rounds: int) -> dict[str, float]:
    text = _sized(BENIGN["en"])
    events = _script(text, delta_chars=4)
    wall: dict[str, list[float]] = {"pass": [], "guard": []}
    cpu: dict[str, list[float]] = {"pass": [], "guard": []}

    async def timed(side: str, stream: AsyncIterator[Event]) -> None:
        start_wall, start_cpu = time.perf_counter(), time.process_time()
        await _drain(stream)
        wall[side].append(time.perf_counter() - start_wall)
        cpu[side].append(time.process_time() - start_cpu)  # all threads of the process

    async def main() -> None:
        for _ in range(rounds):  # interleaved: both see the same machine conditions
            await timed("pass", _source(events))
            await timed("guard", guard_stream(_source(events), service))

    asyncio.run(main())
    base, guard = statistics.median(wall["pass"]), statistics.median(wall["guard"])
    base_cpu, guard_cpu = statistics.median(cpu["pass"]), statistics.median(cpu["guard"])
    kilobytes = len(text.encode()) / KB
    deltas = len(events) - 2
    checks = _count_checks(text)
    return {
        "checks": checks,
        "added_us_per_check": (guard - base) * 1e6 / checks,
        "kilobytes": kilobytes,
        "deltas": deltas,
        "passthrough_ms": base * 1e3,
        "guard_ms": guard * 1e3,
        "ratio": guard / base,
        "added_us_per_kb": (guard - base) * 1e6 / kilobytes,
        "added_cpu_us_per_kb": (guard_cpu - base_cpu) * 1e6 / kilobytes,
        "added_us_per_delta": (guard - base) * 1e6 / deltas,
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15, help="guard runs per side")
    parser.add_argument("--repeats", type=int, default=5, help="classifier repeats (best of)")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    classifier = DefaultClassifier()
    print(f"lexicons compiled in {(time.perf_counter() - start) * 1e3:.0f} ms")

    print(f"\nclassifier throughput ({TEXT_BYTES // KB} KB texts, best of {args.repeats})")
    print(f"{'text':<8} {'lang':<6} {'wall µs/KB':>10} {'cpu µs/KB':>10}")
    for kind, lang, wall, cpu in classifier_table(classifier, args.repeats):
        print(f"{kind:<8} {lang:<6} {wall:>10.0f} {cpu:>10.0f}")

    stats = guard_table(SafetyService(classifier), args.rounds)
    print(
        f"\nstream guard vs pass-through ({stats['kilobytes']:.1f} KB in {stats['deltas']:.0f} "
        f"deltas, median of {args.rounds} interleaved runs)"
    )
    print(f"{'pass-through':<22} {stats['passthrough_ms']:>9.2f} ms")
    print(f"{'guarded':<22} {stats['guard_ms']:>9.2f} ms")
    print(f"{'ratio':<22} {stats['ratio']:>9.1f} x")
    print(f"{'added per KB (wall)':<22} {stats['added_us_per_kb']:>9.0f} µs")
    print(f"{'added per KB (cpu)':<22} {stats['added_cpu_us_per_kb']:>9.0f} µs")
    print(f"{'added per delta':<22} {stats['added_us_per_delta']:>9.1f} µs")
    per_check, checks = stats["added_us_per_check"], stats["checks"]
    print(f"{'added per check':<22} {per_check:>9.0f} µs  ({checks:.0f} checks)")
    print(
        f"{'held back':<22} {DEFAULT_WINDOW_CHARS + DEFAULT_LOOKAHEAD_CHARS:>9} chars "
        "(window + lookahead, then to the next space)"
    )


if __name__ == "__main__":
    main()
