"""Prompt formats per model family: conversation -> prompt text, generated text -> tool calls.

Model quirks live here, never in API dialect code. See :mod:`.base` for the contract,
:mod:`.registry` for choosing a format.
"""

from modelport.errors import ChatTemplateError, PromptFormatError
from modelport.models.formats.base import (
    ForcedToolCalls,
    IdFactory,
    ParsedOutput,
    PromptFormat,
    new_call_id,
    sequential_ids,
)
from modelport.models.formats.chatml import ChatMLFormat
from modelport.models.formats.jamba import JambaFormat
from modelport.models.formats.llama2 import Llama2Format
from modelport.models.formats.llama3 import Llama3Format
from modelport.models.formats.registry import format_names, get_format, select_format
from modelport.models.formats.template import TemplateFormat

__all__ = [
    "ChatMLFormat",
    "ChatTemplateError",
    "ForcedToolCalls",
    "IdFactory",
    "JambaFormat",
    "Llama2Format",
    "Llama3Format",
    "ParsedOutput",
    "PromptFormat",
    "PromptFormatError",
    "TemplateFormat",
    "format_names",
    "get_format",
    "new_call_id",
    "select_format",
    "sequential_ids",
]
