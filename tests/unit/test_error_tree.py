"""Every exception class Modelport defines is in the one error tree (``modelport/errors.py``):
an API error (``ModelportError``) or an operator's (``OperatorError``), and drawn there; the
few internal ones are translated into the tree where they are caught."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import modelport
from modelport import errors
from modelport.errors import ModelportError, OperatorError

# Raised and caught inside one module, translated into the tree at that boundary.
INTERNAL = {
    "modelport.engines.http.EngineHTTPError",  # -> EngineUnavailable/EngineFailed/EngineTimedOut
    "modelport.models.formats.template._RaisedByTemplate",  # -> PromptFormatError
}


def exception_classes() -> list[type[BaseException]]:
    found = []
    for info in pkgutil.walk_packages(modelport.__path__, "modelport."):
        if info.name.endswith((".__main__", ".worker")):
            continue
        module = importlib.import_module(info.name)
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, BaseException) and value.__module__ == info.name:
                found.append(value)
    return found


def test_every_exception_class_is_in_the_tree_and_drawn() -> None:
    classes = exception_classes()
    assert len(classes) > 20
    drawing = errors.__doc__ or ""
    outside = []
    for cls in classes:
        name = f"{cls.__module__}.{cls.__qualname__}"
        if name in INTERNAL:
            continue
        if not issubclass(cls, ModelportError | OperatorError):
            outside.append(name)
        elif cls.__name__ not in drawing:
            outside.append(f"{name} (not drawn)")
    assert not outside, "\n".join(outside)
