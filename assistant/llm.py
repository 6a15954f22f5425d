"""LLM backends through llama-index: an OpenAI-compatible endpoint (OpenAILike) or a GGUF file
run in-process by llama.cpp (LlamaCPP, the optional `[llamacpp]` extra)."""

from __future__ import annotations

import os
from pathlib import Path

from llama_index.core.llms import LLM

from index.errors import LLMUnavailable

from assistant.settings import Settings

CONTEXT_TOKENS = 4096
PROMPT_CACHE_BYTES = 1 << 29


def llm_name(settings: Settings) -> str | None:
    """The name an Answer's `mode` gives the configured LLM, or None when none is configured."""
    if settings.llm_gguf:
        return Path(settings.llm_gguf).stem
    if settings.llm_url:
        return settings.llm_model
    return None


def load_llm(settings: Settings) -> LLM | None:
    """The configured LLM (a GGUF file wins over a URL), or None for extractive answers."""
    if settings.llm_gguf:
        return _llama_cpp(Path(settings.llm_gguf), settings.llm_max_tokens)
    if settings.llm_url:
        from llama_index.llms.openai_like import OpenAILike

        return OpenAILike(
            model=settings.llm_model, api_base=settings.llm_url,
            api_key=settings.llm_api_key or "none",
            is_chat_model=True, timeout=settings.llm_timeout, max_retries=0,
            max_tokens=settings.llm_max_tokens, temperature=0.0, context_window=CONTEXT_TOKENS,
        )
    return None


def _llama_cpp(path: Path, max_tokens: int) -> LLM:
    try:
        from llama_cpp import LlamaRAMCache
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter
        from llama_index.llms.llama_cpp import LlamaCPP
    except ImportError as error:
        raise LLMUnavailable(
            f"{error.name} is not installed: pip install 'newsdesk[llamacpp]'"
        ) from None
    if not path.is_file():
        raise LLMUnavailable(f"no GGUF file at {path}")
    llm = LlamaCPP(
        model_path=str(path), temperature=0.0, max_new_tokens=max_tokens,
        context_window=CONTEXT_TOKENS, verbose=False,
        model_kwargs={"n_threads": os.cpu_count() or 1},
    )
    # Keeps the model state after each prompt, so a prompt that starts as an earlier one did
    # (the system rules, the instructions of a form of question) skips evaluating that part.
    llm._model.set_cache(LlamaRAMCache(capacity_bytes=PROMPT_CACHE_BYTES))
    metadata = llm._model.metadata
    template = metadata.get("tokenizer.chat_template")
    if template:  # the model's own chat format, instead of llama-index's Llama-2 default
        vocab = llm._model
        formatter = Jinja2ChatFormatter(
            template, eos_token=vocab.detokenize([vocab.token_eos()]).decode(errors="ignore"),
            bos_token=vocab.detokenize([vocab.token_bos()]).decode(errors="ignore"),
        )
        llm.messages_to_prompt = lambda messages: formatter(
            messages=[{"role": m.role.value, "content": m.content or ""} for m in messages]
        ).prompt
    return llm
