"""Named prompt formats, and the choice between a model's own template and its catalog format."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from modelport.models.formats.base import IdFactory, PromptFormat
from modelport.models.formats.chatml import ChatMLFormat
from modelport.models.formats.jamba import JambaFormat
from modelport.models.formats.llama2 import Llama2Format
from modelport.models.formats.llama3 import Llama3Format
from modelport.models.formats.template import TemplateFormat

_FORMATS: dict[str, Callable[..., PromptFormat]] = {
    JambaFormat.name: JambaFormat,
    Llama3Format.name: Llama3Format,
    Llama2Format.name: Llama2Format,
    ChatMLFormat.name: ChatMLFormat,
}


def format_names() -> tuple[str, ...]:
    """The names :func:`get_format` knows: ``jamba-1.5``, ``llama-3``, ``llama-2``, ``chatml``."""
    return tuple(_FORMATS)


def get_format(name: str, *, id_factory: IdFactory | None = None) -> PromptFormat:
    """Return a new instance of the named format.

    Raises :class:`LookupError` for an unknown name (a catalog error, not a caller's).
    """
    try:
        factory = _FORMATS[name]
    except KeyError:
        known = ", ".join(_FORMATS)
        raise LookupError(f"unknown prompt format {name!r} (known: {known})") from None
    return factory(id_factory=id_factory)


def select_format(
    model_template: str | None,
    catalog_format: str | None,
    *,
    bos_token: str = "",
    eos_token: str = "",
    id_factory: IdFactory | None = None,
    extra_context: Mapping[str, Any] | None = None,
) -> PromptFormat:
    """Choose how to render prompts for a model.

    The model's own chat template wins when it has one (non-blank): a :class:`TemplateFormat`,
    with the catalog's named format, if any, as its ``family`` for parsing outputs and stop
    sequences. Otherwise the catalog's named format. ``bos_token``/``eos_token`` are the model's
    token texts, used by templates only. Raises :class:`LookupError` when neither is available or
    the catalog name is unknown.
    """
    family = get_format(catalog_format, id_factory=id_factory) if catalog_format else None
    if model_template is not None and model_template.strip():
        return TemplateFormat(
            model_template,
            family=family,
            bos_token=bos_token,
            eos_token=eos_token,
            extra_context=extra_context,
        )
    if family is None:
        raise LookupError("the model has no chat template and the catalog names no prompt format")
    return family
