"""Newsdesk: answers from a folder of news articles, with verbatim citations."""

import os

# Offline by design: models come from installed packages, and nothing phones home.
for _name, _value in (
    ("HF_HUB_OFFLINE", "1"),
    ("TRANSFORMERS_OFFLINE", "1"),
    ("ANONYMIZED_TELEMETRY", "False"),
    ("ORT_DISABLE_TELEMETRY", "1"),
    ("GRADIO_ANALYTICS_ENABLED", "False"),
    ("TOKENIZERS_PARALLELISM", "false"),
    ("HF_HUB_DISABLE_PROGRESS_BARS", "1"),
    ("TRANSFORMERS_VERBOSITY", "error"),
):
    os.environ.setdefault(_name, _value)

from assistant.api import Assistant  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from assistant.types import Answer, Citation  # noqa: E402

__all__ = ["Answer", "Assistant", "Citation", "Settings"]
