"""The plug-in interface: ensembles, entry-point discovery, model-directory plug-ins."""

from __future__ import annotations

import sys
import types
from importlib import metadata
from pathlib import Path

import pytest

from modelport.errors import ContentFilterFailed
from modelport.policy.safety import (
    ENTRY_POINT_GROUP,
    Category,
    ClassifierConfigError,
    ClassifierError,
    DefaultClassifier,
    DirectoryClassifier,
    Ensemble,
    ModelClassifierFactory,
    SafetyClassifier,
    SafetyResult,
    Severity,
    available_classifiers,
    load_classifier,
    load_ensemble,
)


class Fixed:
    def __init__(self, name: str, result: SafetyResult) -> None:
        self.name = name
        self.result = result

    def classify(self, text: str) -> SafetyResult:
        return self.result


class Exploding:
    name = "exploding"

    def classify(self, text: str) -> SafetyResult:
        raise MemoryError("out of memory")


class KeywordModel(DirectoryClassifier):
    """A toy model-based plug-in: its "weights" are a word list in the model directory."""

    name = "keywords"
    required_files = ("words.txt",)

    def load(self, model_dir: Path) -> None:
        self.words = set((model_dir / "words.txt").read_text().split())

    def classify(self, text: str) -> SafetyResult:
        hit = any(word in self.words for word in text.lower().split())
        return SafetyResult.of({Category.VIOLENCE: Severity.HIGH if hit else Severity.SAFE})


def test_default_classifier_satisfies_the_protocol() -> None:
    assert isinstance(DefaultClassifier(), SafetyClassifier)
    assert DefaultClassifier.name == "default"


def test_ensemble_takes_highest_severity_per_category() -> None:
    ensemble = Ensemble(
        [
            Fixed(
                "a", SafetyResult.of({Category.HATE: Severity.HIGH, Category.SEXUAL: Severity.LOW})
            ),
            Fixed("b", SafetyResult.of({Category.SEXUAL: Severity.MEDIUM}, jailbreak=True)),
            Fixed("c", SafetyResult.of({Category.VIOLENCE: Severity.LOW})),
        ]
    )
    result = ensemble.classify("text")
    assert result.severities == {
        Category.HATE: Severity.HIGH,
        Category.SEXUAL: Severity.MEDIUM,
        Category.VIOLENCE: Severity.LOW,
        Category.SELF_HARM: Severity.SAFE,
    }
    assert result.jailbreak and not result.profanity
    assert ensemble.name == "a+b+c"


def test_ensemble_fails_closed_when_a_member_fails() -> None:
    ensemble = Ensemble([Fixed("ok", SafetyResult()), Exploding()])
    with pytest.raises(ClassifierError) as failed:
        ensemble.classify("text")
    assert failed.value.classifier == "exploding"
    assert isinstance(failed.value, ContentFilterFailed)  # unhandled, it is still a 500
    assert isinstance(failed.value.__cause__, MemoryError)


def test_ensemble_rejects_garbage_results_and_emptiness() -> None:
    garbage = Fixed("garbage", None)  # type: ignore[arg-type]
    with pytest.raises(ClassifierError):
        Ensemble([garbage]).classify("text")
    with pytest.raises(ClassifierConfigError):
        Ensemble([])


def _fake_entry_points(monkeypatch: pytest.MonkeyPatch, entries: dict[str, str]) -> None:
    points = [
        metadata.EntryPoint(name, value, ENTRY_POINT_GROUP) for name, value in entries.items()
    ]

    def entry_points(*, group: str) -> list[metadata.EntryPoint]:
        return [p for p in points if p.group == group]

    monkeypatch.setattr(metadata, "entry_points", entry_points)


def test_entry_point_discovery(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    plugin = types.ModuleType("fake_safety_plugin")
    plugin.KeywordModel = KeywordModel  # type: ignore[attr-defined]
    plugin.make_strict = lambda: Fixed("strict", SafetyResult.of({Category.HATE: Severity.MEDIUM}))  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "fake_safety_plugin", plugin)
    _fake_entry_points(
        monkeypatch,
        {
            "keywords": "fake_safety_plugin:KeywordModel",
            "strict": "fake_safety_plugin:make_strict",
            "broken": "no_such_module_anywhere:Thing",
        },
    )
    assert available_classifiers() == [
        "broken",
        "default",
        "encoder",
        "external",
        "guard",
        "keywords",
        "lexicon",
        "strict",
    ]
    (tmp_path / "words.txt").write_text("detonate\n")

    ensemble = load_ensemble(["default", "keywords", "strict"], model_dirs={"keywords": tmp_path})
    assert [m.name for m in ensemble.members] == ["default", "keywords", "strict"]
    result = ensemble.classify("please detonate it")
    assert result.violence is Severity.HIGH and result.hate is Severity.MEDIUM

    with pytest.raises(ClassifierConfigError, match="cannot be imported"):
        load_classifier("broken")
    with pytest.raises(ClassifierConfigError, match="unknown content safety classifier 'nope'"):
        load_classifier("nope")
    with pytest.raises(ClassifierConfigError, match="needs a model directory"):
        load_classifier("keywords")
    with pytest.raises(ClassifierConfigError, match="not in use"):
        load_ensemble(["default"], model_dirs={"keywords": tmp_path})
    with pytest.raises(ClassifierConfigError, match="duplicate"):
        load_ensemble(["default", "default"])


def test_default_is_available_without_registration(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_entry_points(monkeypatch, {})
    assert available_classifiers() == ["default", "encoder", "external", "guard", "lexicon"]
    assert isinstance(load_classifier("default"), DefaultClassifier)


def test_directory_classifier_is_a_model_factory(tmp_path: Path) -> None:
    (tmp_path / "words.txt").write_text("stab\n")
    factory: ModelClassifierFactory = KeywordModel
    assert isinstance(factory(model_dir=tmp_path), SafetyClassifier)


def test_directory_classifier_validates_its_directory(tmp_path: Path) -> None:
    with pytest.raises(ClassifierConfigError, match="does not exist"):
        KeywordModel(tmp_path / "missing")
    with pytest.raises(ClassifierConfigError, match=r"lacks required file\(s\): words.txt"):
        KeywordModel(tmp_path)
    (tmp_path / "words.txt").write_text("stab\n")
    model = KeywordModel(tmp_path)
    assert model.model_dir == tmp_path.resolve()
    assert model.classify("I will stab").violence is Severity.HIGH
    assert model.classify("I will cook").violence is Severity.SAFE
    not_a_dir = tmp_path / "words.txt"
    with pytest.raises(ClassifierConfigError, match="not a directory"):
        KeywordModel(not_a_dir)


def test_loader_validates_configured_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    plugin = types.ModuleType("fake_safety_plugin2")
    plugin.KeywordModel = KeywordModel  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "fake_safety_plugin2", plugin)
    _fake_entry_points(monkeypatch, {"keywords": "fake_safety_plugin2:KeywordModel"})
    with pytest.raises(ClassifierConfigError, match="does not exist"):
        load_classifier("keywords", model_dir=tmp_path / "nowhere")
