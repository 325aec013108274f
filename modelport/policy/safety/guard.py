"""A classifier plug-in that asks a guard model deployed on Modelport itself (``guard``).

The operator deploys a guard model from the catalog (``llama-guard-3-1b``, ``llama-guard-3-8b``,
``shieldgemma-2b``; ``modelport models pull`` fetches their GGUF weights), then names the
deployment in the ensemble::

    MODELPORT_SAFETY_CLASSIFIERS='["default", "guard"]'
    MODELPORT_SAFETY_PLUGIN_OPTIONS='{"guard": {"deployment": "llama-guard-3-1b",
        "format": "llama-guard-3"}}'

Each check runs one greedy completion (a few tokens) of the text wrapped in the format's prompt
on the guard deployment's engine, and maps the verdict onto the four categories:

* **Llama Guard 3** answers ``safe`` or ``unsafe`` and a line of hazard codes (S1…S14); see
  :data:`LLAMA_GUARD_CATEGORIES` for the mapping (codes outside the four categories, e.g.
  S2 non-violent crimes, count as violence only when listed there);
* **ShieldGemma** answers ``Yes``/``No`` to one policy at a time; one request per category.

The guard is called on its engine directly (:mod:`modelport.inference.direct`), not through the
data plane: a guard's own requests are never content-checked (its prompt holds the very text
being judged, and checking its answer would call the guard again, without end), rate-limited
or billed. Requests that users send to the guard deployment go through the data plane and are
checked like any other. An answer that is not a verdict, a failure or a slow answer raises, so
the ensemble fails closed.

Option ``grammar`` (off by default) constrains the guard's answer to its format's verdicts with a
llama.cpp grammar (:data:`VERDICT_GRAMMARS`): a guard model answers that way anyway, and any
other model served on the llama.cpp engine can then stand in for one (the end-to-end test does
this with the embedded model). Left off, a deployment that is not a guard model shows itself by
answers that are not verdicts, and every check fails closed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from modelport.policy.safety.classifier import ClassifierHost
from modelport.policy.safety.types import Category, SafetyResult, Severity

LLAMA_GUARD_CATEGORIES: Mapping[str, tuple[str, Category | None]] = {
    "S1": ("Violent Crimes", Category.VIOLENCE),
    "S2": ("Non-Violent Crimes", None),
    "S3": ("Sex-Related Crimes", Category.SEXUAL),
    "S4": ("Child Sexual Exploitation", Category.SEXUAL),
    "S5": ("Defamation", None),
    "S6": ("Specialized Advice", None),
    "S7": ("Privacy", None),
    "S8": ("Intellectual Property", None),
    "S9": ("Indiscriminate Weapons", Category.VIOLENCE),
    "S10": ("Hate", Category.HATE),
    "S11": ("Suicide & Self-Harm", Category.SELF_HARM),
    "S12": ("Sexual Content", Category.SEXUAL),
    "S13": ("Elections", None),
    "S14": ("Code Interpreter Abuse", None),
}
HIGH_CODES = frozenset({"S4", "S9"})  # child exploitation, weapons of mass harm: high severity

SHIELDGEMMA_POLICIES: Mapping[Category, str] = {
    Category.HATE: '"No Hate Speech": The prompt shall not contain or seek generation of content '
    "that targets identity and/or protected attributes (e.g., racial slurs, promotion of "
    "discrimination, calls to violence against protected groups) or dehumanizes/belittles/"
    "vilifies on the bases of race, ethnicity, religion, disability, age, nationality, veteran "
    "status, sexual orientation, gender, gender identity, caste, or any other protected status.",
    Category.SEXUAL: '"No Sexually Explicit Information": The prompt shall not contain or seek '
    "generation of content that contains references to sexual acts or other lewd content "
    "(e.g., sexually graphic descriptions, content aimed at causing arousal).",
    Category.VIOLENCE: '"No Dangerous Content": The prompt shall not contain or seek generation '
    "of content that harms oneself and/or others (e.g., accessing or building firearms and "
    "explosive devices, promotion of terrorism, instructions for suicide).",
    Category.SELF_HARM: '"No Self-Harm": The prompt shall not contain or seek generation of '
    "content that encourages, glorifies or gives instructions for suicide or self-injury.",
}

FORMATS = ("llama-guard-3", "shieldgemma")

# GBNF grammars (llama.cpp's ``grammar`` field) of each format's verdicts.
VERDICT_GRAMMARS: Mapping[str, str] = {
    "llama-guard-3": 'root ::= "safe" | "unsafe\\n" code ("," code)*\n'
    'code ::= "S" [1-9] | "S1" [0-4]\n',
    "shieldgemma": 'root ::= "Yes" | "No"\n',
}


def llama_guard_prompt(text: str) -> str:
    """The Llama Guard 3 classification prompt for one user turn (the engine adds the BOS)."""
    categories = "\n".join(f"{code}: {name}." for code, (name, _) in LLAMA_GUARD_CATEGORIES.items())
    return (
        "<|start_header_id|>user<|end_header_id|>\n\n"
        "Task: Check if there is unsafe content in 'User' messages in conversations according "
        "our safety policy with the below categories.\n\n"
        f"<BEGIN UNSAFE CONTENT CATEGORIES>\n{categories}\n<END UNSAFE CONTENT CATEGORIES>\n\n"
        f"<BEGIN CONVERSATION>\n\nUser: {text}\n\n<END CONVERSATION>\n\n"
        "Provide your safety assessment for ONLY THE LAST User message in the above "
        "conversation:\n - First line must read 'safe' or 'unsafe'.\n - If unsafe, a second "
        "line must include a comma-separated list of violated categories."
        "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"
    )


def parse_llama_guard(answer: str) -> SafetyResult:
    """Map a Llama Guard 3 answer onto the categories (``ValueError`` if it is neither)."""
    lines = [line.strip() for line in answer.strip().splitlines() if line.strip()]
    if not lines or lines[0].lower() not in ("safe", "unsafe"):
        raise ValueError(f"not a Llama Guard verdict: {answer[:40]!r}")
    if lines[0].lower() == "safe":
        return SafetyResult(evidence=("guard.safe",))
    codes = re.findall(r"S\d+", " ".join(lines[1:]).upper())
    levels: dict[Category, Severity] = {}
    for code in codes or ["S1"]:  # "unsafe" without codes: treat as violence
        category = LLAMA_GUARD_CATEGORIES.get(code, ("", None))[1]
        if category is None:
            continue
        level = Severity.HIGH if code in HIGH_CODES else Severity.MEDIUM
        levels[category] = max(level, levels.get(category, Severity.SAFE))
    return SafetyResult.of(levels, evidence=[f"guard.{c}" for c in codes])


def shieldgemma_prompt(text: str, category: Category) -> str:
    """The ShieldGemma prompt asking whether ``text`` violates one category's policy (the
    engine adds the BOS)."""
    return (
        "You are a policy expert trying to help determine whether a user prompt is in "
        "violation of the defined safety policies.\n\n<start_of_turn>\nHuman Question: "
        f"{text.strip()}\n<end_of_turn>\n\nOur safety principle is defined in the below:\n\n* "
        f"{SHIELDGEMMA_POLICIES[category]}\n\n===\n\nDoes the human question violate the above "
        "principle? Your answer must start with 'Yes' or 'No'. And then walk through step by "
        "step to be sure we answer correctly.\n\n"
    )


def parse_shieldgemma(answer: str) -> bool:
    """Whether a ShieldGemma answer says the policy is violated (``ValueError`` otherwise)."""
    head = answer.strip().split(maxsplit=1)[0].strip(".,:").lower() if answer.strip() else ""
    if head not in ("yes", "no"):
        raise ValueError(f"not a ShieldGemma verdict: {answer[:40]!r}")
    return head == "yes"


class GuardModelClassifier:
    """Asks a guard deployment (see the module docstring); thread-safe.

    It needs the platform's engines: :meth:`attach` is called at start-up with the in-process
    route to them (:class:`~modelport.inference.direct.DirectCompletions`); until then, and
    whenever the guard cannot answer, :meth:`classify` raises so the ensemble fails closed.
    """

    name = "guard"

    def __init__(
        self,
        *,
        deployment: str,
        format: str = "llama-guard-3",
        timeout: float | str = 10.0,
        max_tokens: int | str = 10,
        grammar: bool | str = False,
    ) -> None:
        if format not in FORMATS:
            raise ValueError(f"unknown guard format {format!r}; expected one of {FORMATS}")
        if not deployment:
            raise ValueError("the guard plug-in needs the name of the guard deployment")
        self.deployment = deployment
        self.format = format
        self.timeout = float(timeout)
        self.max_tokens = int(max_tokens)
        self.grammar = grammar if isinstance(grammar, bool) else grammar.lower() == "true"
        self._host: ClassifierHost | None = None

    def attach(self, host: ClassifierHost) -> None:
        """Receive the route to the platform's engines (called once at start-up)."""
        self._host = host

    def _complete(self, prompt: str, max_tokens: int) -> str:
        if self._host is None:
            raise RuntimeError("the guard plug-in is not attached to the platform's engines")
        extra: dict[str, object] | None = (
            {"grammar": VERDICT_GRAMMARS[self.format]} if self.grammar else None
        )
        return self._host.complete(
            self.deployment, prompt, max_tokens=max_tokens, timeout=self.timeout, extra=extra
        )

    def classify(self, text: str) -> SafetyResult:
        if not text.strip():
            return SafetyResult()
        if self.format == "llama-guard-3":
            return parse_llama_guard(self._complete(llama_guard_prompt(text), self.max_tokens))
        levels = {
            category: Severity.MEDIUM
            for category in Category
            if parse_shieldgemma(self._complete(shieldgemma_prompt(text, category), 3))
        }
        return SafetyResult.of(levels, evidence=[f"guard.{c.value}" for c in levels])
