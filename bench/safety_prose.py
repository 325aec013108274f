"""Model-written prose through the completion guard: how many benign answers get cut.

Run from the repository root::

    python -m bench.safety_prose [--cuts] [--model-dir DIR]   # measure, side by side
    python -m bench.safety_prose --generate        # regenerate the set (real engine, minutes)
    python -m bench.safety_prose --generate --set train --seeds 31 32   # the training prose
    python -m bench.safety_prose --set short [--generate]   # short replies (greetings, thanks)


The set (``corpus/safety/generated/prose.jsonl``, provenance in its README) is benign prompts
(stories with dragons, knights, pirates, battles, detectives, history, recipes, travel, fairy
tales, sports) answered by the embedded SmolLM2 model on the real llama.cpp engine, sampled
with fixed seeds. Each answer goes through the real completion guard in its default hold-back
mode under the serverless default policy (the windows a streamed answer gets); an answer is
**cut** when the guard stops it with ``content_filter``. The set is evaluation only: nothing
from it is trained or tuned on.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from modelport.policy.safety import DefaultClassifier, LexiconClassifier
from modelport.policy.safety.classifier import SafetyClassifier
from modelport.policy.safety.learned.prose import (
    GENERATED_FILE,
    evaluate_prose,
    generated_dir,
    load_generated,
    short_dir,
    training_prose_dir,
)

PROMPTS_FILE = "prompts.jsonl"
SEEDS = (11, 12)
MAX_TOKENS = 384
TEMPERATURE = 0.8
TOP_P = 0.95
SHORT_SEEDS = tuple(range(1, 9))
SHORT_MAX_TOKENS = 24


async def generate(
    seeds: Sequence[int],
    folder: Path,
    *,
    max_tokens: int = MAX_TOKENS,
    temperature: float | None = TEMPERATURE,
    top_p: float | None = TOP_P,
) -> None:
    """Answer every prompt of ``folder/prompts.jsonl`` once per seed with the embedded model,
    into ``folder/prose.jsonl`` (``temperature``/``top_p`` ``None``: the engine's defaults, what
    a deployment uses when the caller sets nothing)."""
    from modelport.domain.catalog import Catalog, builtin_offers_dir
    from modelport.engines.host import EngineHost
    from modelport.engines.llamacpp.factory import LlamaCppEngineFactory, LlamaCppOptions
    from modelport.inference.collect import collect
    from modelport.inference.types import (
        InferenceRequest,
        Message,
        RequestKind,
        SamplingParams,
    )

    offer = Catalog.load(builtin_offers_dir()).embedded()
    prompts = [
        json.loads(line)
        for line in (folder / PROMPTS_FILE).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    with tempfile.TemporaryDirectory() as store:
        host = EngineHost(model_store=Path(store), slots=1, threads=2)
        factory = LlamaCppEngineFactory()
        engine = await factory.start(
            factory.spec("prose", offer, LlamaCppOptions(context=2048, slots=1), host)
        )
        records = []
        try:
            for seed in seeds:
                for number, p in enumerate(prompts, 1):
                    start = time.perf_counter()
                    request = InferenceRequest(
                        kind=RequestKind.CHAT,
                        sampling=SamplingParams(
                            max_tokens=max_tokens, temperature=temperature, top_p=top_p, seed=seed
                        ),
                        messages=(
                            Message(role="system", content=offer.default_system_prompt),
                            Message(role="user", content=p["prompt"]),
                        ),
                    )
                    whole = await collect(engine.generate(request))
                    choice = whole.choices[0]
                    records.append(
                        {
                            **p,
                            "seed": seed,
                            "text": choice.text,
                            "finish_reason": choice.finish_reason and choice.finish_reason.value,
                            "completion_tokens": whole.usage.completion_tokens,
                        }
                    )
                    print(
                        f"seed {seed} {number}/{len(prompts)} {p['id']}: "
                        f"{len(choice.text)} chars in {time.perf_counter() - start:.1f} s",
                        flush=True,
                    )
        finally:
            await engine.stop()
    out = folder / GENERATED_FILE
    out.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )
    print(f"{len(records)} answers written to {out} ({datetime.now(UTC):%Y-%m-%d})")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--generate", action="store_true", help="regenerate the set first")
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS))
    parser.add_argument(
        "--set",
        choices=("eval", "train", "short"),
        default="eval",
        help="eval: corpus/safety/generated (measured here, never trained on); "
        "train: corpus/safety/train-prose (other prompts and seeds, part of the training corpus); "
        "short: corpus/safety/generated-short (short replies to greetings and thanks in the nine "
        "languages, the engine's default sampling; evaluation only)",
    )
    parser.add_argument("--cuts", action="store_true", help="list the cut answers and windows")
    parser.add_argument(
        "--model-dir",
        type=Path,
        action="append",
        default=[],
        help="also measure the default classifier with these weights (e.g. an earlier model)",
    )
    parser.add_argument(
        "--encoder", action="store_true", help="also measure the opt-in encoder classifier"
    )
    args = parser.parse_args(argv)
    folders = {
        "eval": generated_dir,
        "train": training_prose_dir,
        "short": short_dir,
    }
    folder = folders[args.set]()
    path = folder / GENERATED_FILE
    if args.generate and args.set == "short":
        seeds = args.seeds if args.seeds != list(SEEDS) else list(SHORT_SEEDS)
        asyncio.run(
            generate(seeds, folder, max_tokens=SHORT_MAX_TOKENS, temperature=None, top_p=None)
        )
    elif args.generate:
        asyncio.run(generate(args.seeds, folder))
    answers = load_generated(path)
    words = sum(len(a.text.split()) for a in answers)
    print(f"{len(answers)} generated answers ({words} words) in {path}")
    print("completion guard: hold-back, serverless default policy (block medium and above)\n")
    runs: list[tuple[str, SafetyClassifier]] = [
        ("lexicon", LexiconClassifier()),
        *((f"default with {d}", DefaultClassifier(model_dir=d)) for d in args.model_dir),
        ("default", DefaultClassifier()),
    ]
    if args.encoder:
        from modelport.policy.safety.encoder import EncoderClassifier  # the `encoder` extra

        runs.append(("encoder", EncoderClassifier()))
    for name, classifier in runs:
        evaluation = evaluate_prose(classifier, answers)
        print(evaluation.format(name))
        if args.cuts and evaluation.cut:
            print(evaluation.format_cuts() + "\n")


if __name__ == "__main__":
    main()
