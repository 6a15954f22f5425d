"""The Corpus tab: the articles the index holds, and uploads copied into the corpus folder."""

from __future__ import annotations

import filecmp
import shutil
from pathlib import Path

from assistant.api import Assistant
from index.loaders import Skipped, relative_id

HEADERS = ["Title", "Outlet", "Published", "Path", "Chunks"]
COLUMN_WIDTHS = ["38%", "16%", "12%", "26%", "8%"]


def corpus_rows(assistant: Assistant) -> list[list]:
    """One row per indexed article: title, outlet, date, corpus path and chunk count."""
    return [[a.title, a.source, a.published.isoformat() if a.published else "", a.path, a.chunks]
            for a in assistant.listing()]


def search_rows(rows: list[list], query: str) -> list[list]:
    """The rows with `query` in any cell, ignoring case."""
    words = (query or "").lower().split()
    return [row for row in rows
            if all(any(word in str(cell).lower() for cell in row) for word in words)]


def corpus_folder(assistant: Assistant) -> Path:
    """The folder the index mirrors (uploads go there), else the corpus setting."""
    mirrored = Path(assistant.stats()["corpus"] or assistant.settings.corpus_dir)
    return mirrored if mirrored.is_dir() else Path(assistant.settings.corpus_dir)


def copy_uploads(paths: list[str], folder: Path) -> list[Path]:
    """Copy uploaded files into `folder`, never over a different file of the same name;
    returns the files it wrote (an upload identical to a file there is not copied)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for path in map(Path, paths):
        target = _free_name(folder, path)
        if not target.exists():
            shutil.copyfile(path, target)
            written.append(target)
    return written


def drop_unread(written: list[Path], folder: Path, skipped: list[Skipped]) -> list[Path]:
    """Delete the uploads in `written` that could not be read at all (each is in `skipped`),
    so no bad file stays in the corpus folder; returns them."""
    unread = {item.path for item in skipped}
    dropped = [path for path in written if relative_id(path, folder) in unread]
    remove(dropped)
    return dropped


def remove(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def _free_name(folder: Path, upload: Path) -> Path:
    """`folder/name`, or `name-2`, `name-3`... when a different file already has that name."""
    target, number = folder / upload.name, 1
    while target.exists() and not filecmp.cmp(target, upload, shallow=False):
        number += 1
        target = folder / f"{upload.stem}-{number}{upload.suffix}"
    return target
