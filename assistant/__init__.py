"""Newsdesk: answers from a folder of news articles, with verbatim citations."""

from assistant.api import Assistant
from assistant.settings import Settings
from assistant.types import Answer, Citation

__all__ = ["Answer", "Assistant", "Citation", "Settings"]
