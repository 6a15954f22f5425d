"""Settings of the web chat alone, read from NEWSDESK_* env vars like the others."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class WebSettings(BaseSettings):
    """`NEWSDESK_MAX_UPLOAD_MB` and `NEWSDESK_AUTH`."""

    model_config = SettingsConfigDict(env_prefix="NEWSDESK_", extra="ignore")

    max_upload_mb: float = Field(20.0, gt=0, description="Largest file the web chat accepts.")
    auth: str | None = Field(None, description='Login required by the web chat: "user:password".')

    def login(self) -> tuple[str, str] | None:
        """The (user, password) pair of `auth`, or None when no login is set."""
        if not self.auth:
            return None
        user, _, password = self.auth.partition(":")
        if not user or not password:
            raise ValueError('NEWSDESK_AUTH must look like "user:password"')
        return user, password

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1_000_000)
