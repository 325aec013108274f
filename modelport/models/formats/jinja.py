"""Jinja chat templates for the named formats, for engines that render prompts themselves.

When a model's weights carry no chat template (a GGUF without ``tokenizer.chat_template``), the
catalog's named format is the model's template: the engine (llama.cpp) is given one of these.
For a conversation without tools or documents each renders exactly what the format's Python
renderer renders (tests hold them to it); tools, tool results and documents never reach an
engine's template, because the model adapter renders such requests itself
(:mod:`modelport.models.rendered`).

They are written for both jinja2 (Hugging Face's ``apply_chat_template``) and the template engine
inside llama.cpp (minja): plain ``for``/``if``/``set``, slices, ``trim``, ``raise_exception``.
Message content is a string (``""`` when absent). The BOS token is written as text, as the
models' own templates do; llama.cpp drops it before tokenizing and adds its own.
"""

from __future__ import annotations

CHATML = (
    "{%- for message in messages -%}\n"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' -}}\n"
    "{%- endfor -%}\n"
    "{%- if add_generation_prompt -%}\n"
    "{{- '<|im_start|>assistant\\n' -}}\n"
    "{%- endif -%}"
)

JAMBA_1_5 = (
    "{{- '<|startoftext|>' -}}\n"
    "{%- if not messages or messages[0]['role'] != 'system' -%}\n"
    "{{- '<|bom|><|system|> <|eom|>' -}}\n"
    "{%- endif -%}\n"
    "{%- for message in messages -%}\n"
    "{{- '<|bom|><|' + message['role'] + '|> ' -}}\n"
    "{%- if message['name'] is defined and message['name'] -%}\n"
    "{{- '(' + message['name'] + ')' -}}\n"
    "{%- endif -%}\n"
    "{{- message['content'] + '<|eom|>' -}}\n"
    "{%- endfor -%}\n"
    "{%- if add_generation_prompt -%}\n"
    "{{- '<|bom|><|assistant|>' -}}\n"
    "{%- endif -%}"
)

LLAMA_3 = (
    "{{- '<|begin_of_text|>' -}}\n"
    "{%- for message in messages -%}\n"
    "{{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' -}}\n"
    "{{- message['content'] | trim -}}\n"
    "{{- '<|eot_id|>' -}}\n"
    "{%- endfor -%}\n"
    "{%- if add_generation_prompt -%}\n"
    "{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' -}}\n"
    "{%- endif -%}"
)

LLAMA_2 = (
    "{%- if messages and messages[0]['role'] == 'system' -%}\n"
    "{%- set system_message = messages[0]['content'] -%}\n"
    "{%- set loop_messages = messages[1:] -%}\n"
    "{%- else -%}\n"
    "{%- set system_message = none -%}\n"
    "{%- set loop_messages = messages -%}\n"
    "{%- endif -%}\n"
    "{%- if not loop_messages -%}\n"
    "{{- raise_exception('the llama-2 prompt format needs at least one user message') -}}\n"
    "{%- endif -%}\n"
    "{%- for message in loop_messages -%}\n"
    "{%- set expected = 'user' if loop.index0 % 2 == 0 else 'assistant' -%}\n"
    "{%- if message['role'] != expected -%}\n"
    "{{- raise_exception("
    "'Conversation roles must alternate user/assistant/user/assistant/...') -}}\n"
    "{%- endif -%}\n"
    "{%- if loop.index0 == 0 and system_message is not none -%}\n"
    "{%- set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' "
    "+ message['content'] -%}\n"
    "{%- else -%}\n"
    "{%- set content = message['content'] -%}\n"
    "{%- endif -%}\n"
    "{%- if message['role'] == 'user' -%}\n"
    "{{- '<s>[INST] ' + (content | trim) + ' [/INST]' -}}\n"
    "{%- else -%}\n"
    "{{- ' ' + (content | trim) + ' </s>' -}}\n"
    "{%- endif -%}\n"
    "{%- endfor -%}"
)
