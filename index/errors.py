"""Errors a user can act on: one family under `NewsdeskError`. The CLI and the web chat catch
that one class at their edge and show its message; anything else is a bug."""

from __future__ import annotations


class NewsdeskError(Exception):
    """Base class of every error whose message tells the user what to do."""


class CorpusNotFound(NewsdeskError):
    """The folder to ingest does not exist."""


class UnknownModel(NewsdeskError):
    """An embedding model name that no installed package provides."""


class EmbeddingEndpointError(NewsdeskError):
    """The embedding endpoint failed or answered something else than embeddings."""


class ModelMismatch(NewsdeskError):
    """The index was built with another embedding model or chunking."""


class StoreUnavailable(NewsdeskError):
    """The store could not be opened or reached."""


class OldIndexFormat(NewsdeskError):
    """The index was written by an older Newsdesk and must be rebuilt."""


class IndexLocked(NewsdeskError):
    """Another process is writing to this index."""


class EmptyIndex(NewsdeskError):
    """Asked a question of an index that holds no articles."""


class LLMUnavailable(NewsdeskError):
    """The configured LLM cannot be loaded (missing package, missing file)."""


class GoldError(NewsdeskError):
    """A gold question file that cannot be read; the message names the line."""


class CannotServe(NewsdeskError):
    """The web chat cannot start: no loopback interface, or its port is taken."""
