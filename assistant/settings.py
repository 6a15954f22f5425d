"""All settings in one object, built once at the entry point (the CLI, the web chat's `launch`,
`Assistant`) from flags, env vars and defaults."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, PrivateAttr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from index.chunking import MAX_CHARS, OVERLAP
from index.embedding import DEFAULT_MODEL
from index.article_store import COLLECTION

PROJECT_ROOT = Path(__file__).resolve().parents[1]

# Offline by design: models come from installed packages, and nothing phones home.
OFFLINE_ENVIRONMENT = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "TOKENIZERS_PARALLELISM": "false",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_VERBOSITY": "error",
}


def use_offline_environment() -> None:
    """Set the env vars that keep the libraries offline and quiet, where not set already,
    and always switch off ONNX Runtime's telemetry. Each entry point calls this before a
    model is loaded."""
    for name, value in OFFLINE_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    os.environ["ORT_DISABLE_TELEMETRY"] = "1"


class WebSettings(BaseModel):
    """How the web chat is served."""

    host: str
    port: int
    auth: tuple[str, str] | None
    max_upload_bytes: int
    examples: list[str]


class Settings(BaseSettings):
    """Every setting has an env var `NEWSDESK_<NAME>`; CLI flags override them."""

    model_config = SettingsConfigDict(env_prefix="NEWSDESK_", extra="ignore")

    corpus_dir: Path = Field(PROJECT_ROOT / "corpus", description="Folder of articles to ingest.")
    index_dir: Path = Field(
        PROJECT_ROOT / ".newsdesk" / "index", description="Where the index lives."
    )
    chroma_url: str | None = Field(
        None, description="A Chroma server (http://host:port) instead of the embedded store."
    )
    store_url: str | None = Field(
        None,
        description="A PostgreSQL database (postgresql://user@host:port/db) for the articles "
        "and keyword index, shared by every machine, instead of SQLite in index_dir. Use it "
        "with chroma_url.",
    )
    collection: str = Field(COLLECTION, description="Chroma collection name.")
    embed_model: str = Field(
        DEFAULT_MODEL,
        description="Embedding model: the packaged model, or a local sentence-transformers folder.",
    )
    embed_batch_size: int = Field(64, ge=1, description="Chunks embedded per batch.")
    embed_backend: Literal["onnx", "torch"] = Field(
        "onnx",
        description="Runs the embedding model: onnx (ONNX Runtime, exported once into "
        "model_cache_dir) or torch (sentence-transformers).",
    )
    model_cache_dir: Path = Field(
        PROJECT_ROOT / ".newsdesk" / "models", description="Where the ONNX export is kept."
    )
    embed_url: str | None = Field(
        None,
        description="An OpenAI-compatible embeddings endpoint (http://host:port/v1) that serves "
        "embed_model, to embed on other machines.",
    )
    embed_api_key_env: str | None = Field(
        None, description="Name of the env var that holds the API key for embed_url."
    )
    sentence_vectors: bool = Field(
        True,
        description="Embed every sentence at ingest as well as every chunk (about 1.6 times "
        "the ingest time), so that answering never runs the model on sentences.",
    )
    chunk_chars: int = Field(
        MAX_CHARS, ge=100, description="Most characters in a chunk (whole sentences)."
    )
    chunk_overlap: int = Field(OVERLAP, ge=0, description="Sentences shared by neighbouring chunks.")
    top_k: int = Field(24, ge=1, description="Chunks retrieved per question; the answer reads them all.")
    max_file_mb: float = Field(20.0, gt=0, description="Files larger than this are skipped.")
    host: str = Field("127.0.0.1", description="Address the web chat binds.")
    port: int = Field(7860, ge=1, le=65535, description="Port of the web chat.")
    auth: str | None = Field(
        None, repr=False, description='Login required by the web chat: "user:password".'
    )
    max_upload_mb: float = Field(20.0, gt=0, description="Largest file the web chat accepts.")
    examples: list[str] = Field(
        [], description='Example questions the web chat offers, as a JSON list (default: '
        "questions about the newest indexed articles, by title).",
    )
    llm_url: str | None = Field(
        None, description="An OpenAI-compatible endpoint (http://host:port/v1) that writes answers."
    )
    llm_model: str = Field("default", description="The model name sent to llm_url.")
    llm_api_key_env: str | None = Field(
        None, description="Name of the env var that holds the API key for llm_url."
    )
    llm_gguf: Path | None = Field(
        None, description="A GGUF model file run in-process by llama.cpp (the [llamacpp] extra)."
    )
    llm_timeout: float = Field(
        120.0, gt=0,
        description="Seconds an LLM answer may take before the extractive one is given.",
    )
    llm_strict: bool = Field(False, description="Drop generated sentences the sources do not back.")
    llm_sources: int = Field(6, ge=1, description="Best-rated sentences given to the LLM as sources.")
    llm_max_tokens: int = Field(256, ge=1, description="Most tokens the LLM writes per answer.")

    _keys: dict[str, str | None] = PrivateAttr(default_factory=dict)

    @field_validator("auth")
    @classmethod
    def _user_and_password(cls, value: str | None) -> str | None:
        if value:
            user, _, password = value.partition(":")
            if not user or not password:
                raise ValueError('must look like "user:password"')
        return value or None

    def model_post_init(self, context: object) -> None:
        """Resolve the API keys once, from the env vars the settings name."""
        self._keys = {
            "embed": os.environ.get(self.embed_api_key_env) if self.embed_api_key_env else None,
            "llm": os.environ.get(self.llm_api_key_env) if self.llm_api_key_env else None,
        }

    @property
    def embed_api_key(self) -> str | None:
        return self._keys["embed"]

    @property
    def llm_api_key(self) -> str | None:
        return self._keys["llm"]

    @property
    def web(self) -> WebSettings:
        """The web chat's part of the settings."""
        user, _, password = (self.auth or "").partition(":")
        return WebSettings(
            host=self.host, port=self.port, auth=(user, password) if self.auth else None,
            max_upload_bytes=int(self.max_upload_mb * 1_000_000), examples=self.examples,
        )
