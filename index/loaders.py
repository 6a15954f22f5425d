"""Find article files under a folder and turn each into Articles, or a reason to skip it."""

from __future__ import annotations

import codecs
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from index.cleaning import CleanedText, clean_text, normalise, parse_date
from index.documents import Article

SUPPORTED_SUFFIXES = {".txt", ".md", ".html", ".htm", ".json", ".jsonl", ".pdf"}


class SkipFile(Exception):
    """A file (or a record in it) that cannot be ingested; the message says why."""


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str


@dataclass(frozen=True)
class LoadResult:
    articles: list[Article]
    skipped: list[Skipped]


def find_files(root: Path, unreadable: list[Skipped] | None = None) -> list[Path]:
    """Supported files under `root`, sorted; symlinks that leave `root` are not followed.
    Each folder that cannot be listed is added to `unreadable` with its reason."""
    root = root.resolve()
    if root.is_file():
        return [root]

    def cannot_list(error: OSError) -> None:
        if unreadable is not None:
            folder = relative_id(Path(error.filename or root), root)
            unreadable.append(Skipped(f"{folder}/", _os_reason(error)))

    found = []
    for folder, dirs, files in os.walk(root, onerror=cannot_list):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            path = Path(folder) / name
            if path.suffix.lower() in SUPPORTED_SUFFIXES and not name.startswith("."):
                found.append(path)
    return found


def load_file(path: Path, root: Path, max_bytes: int) -> LoadResult:
    """Read one file into Articles. This is the loaders' one boundary: any failure to read or
    parse the file becomes a skip with its reason, never an exception."""
    rel = relative_id(path, root)
    try:
        return _load(path, rel, root, max_bytes)
    except SkipFile as reason:
        return LoadResult([], [Skipped(rel, str(reason))])
    except OSError as error:
        return LoadResult([], [Skipped(rel, _os_reason(error))])
    except RecursionError:
        return LoadResult([], [Skipped(rel, "nested too deeply to read")])
    except Exception as error:  # a parser's own failure on a hostile file
        return LoadResult([], [Skipped(rel, f"cannot be read ({_describe(error)})")])


def _load(path: Path, rel: str, root: Path, max_bytes: int) -> LoadResult:
    """One file into Articles; a SkipFile (or any other error) when it cannot be."""
    if path.is_symlink() and not _inside(path.resolve(), root.resolve()):
        raise SkipFile("symlink pointing outside the corpus; not followed")
    size = path.stat().st_size
    if size > max_bytes:
        raise SkipFile(f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB cap")
    if size == 0:
        raise SkipFile("empty file")
    suffix = path.suffix.lower()
    if suffix in {".json", ".jsonl"}:
        return _load_records(path, rel)
    if suffix == ".pdf":
        cleaned = _read_pdf(path)
    elif suffix in {".html", ".htm"}:
        cleaned = _read_html(decode(path.read_bytes()))
    else:
        cleaned = clean_text(decode(path.read_bytes()))
    return LoadResult([_article(rel, cleaned)], [])


def relative_id(path: Path, root: Path) -> str:
    """The file's id: its path relative to the corpus root, as text that any store accepts
    (bytes of a name that are not UTF-8 are written as `\\xNN`, the same on every run)."""
    root = root.resolve()
    base = root.parent if root.is_file() else root
    try:
        rel = path.absolute().relative_to(base).as_posix()
    except ValueError:
        rel = path.name
    return safe_text(rel)


def safe_text(text: str) -> str:
    """`text` as valid Unicode: the undecodable bytes of a file name (surrogate escapes) as
    `\\xNN`, any other lone surrogate (from a JSON escape) as `\\uNNNN`."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _os_reason(error: OSError) -> str:
    return f"cannot read: {error.strerror or error}"


def _describe(error: BaseException) -> str:
    text = " ".join(str(error).split())[:200]
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def decode(data: bytes) -> str:
    """Decode article bytes: a BOM wins, then UTF-8, then Windows-1252; binary is refused."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as error:
                raise SkipFile(f"not valid {encoding.upper()} text ({error.reason})") from None
    if b"\x00" in data[:8192]:
        raise SkipFile("binary file (contains NUL bytes)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as error:
        raise SkipFile(f"not valid UTF-8 or Windows-1252 text ({error.reason})") from None
    if sum(not (ch.isprintable() or ch.isspace()) for ch in text) > len(text) // 100:
        raise SkipFile("binary or unknown encoding")
    return text


def _article(doc_id: str, cleaned: CleanedText, **overrides: str) -> Article:
    """An Article whose every field is text the stores accept."""
    if not cleaned.text.strip():
        raise SkipFile("no article text (empty or whitespace only)")
    return Article(
        doc_id=safe_text(doc_id),
        title=safe_text(overrides.get("title") or cleaned.title),
        source=safe_text(overrides.get("source") or cleaned.source),
        published=parse_date(overrides.get("published", "")) or cleaned.published,
        url=safe_text(overrides.get("url") or cleaned.url),
        text=safe_text(cleaned.text),
        author=safe_text(overrides.get("author") or cleaned.author),
    )


def _load_records(path: Path, rel: str) -> LoadResult:
    """A JSON object, a JSON list of objects, or JSON Lines, with fields
    `title, body (or text/content), source, published_at (or published/date), url, author`."""
    text = decode(path.read_bytes())
    if path.suffix.lower() == ".jsonl":
        numbered = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    else:
        numbered = [(0, text)]
    articles, skipped = [], []
    for line_no, chunk in numbered:
        where = f"{rel}:{line_no}" if line_no else rel
        try:
            data = json.loads(chunk)
        except json.JSONDecodeError as error:
            skipped.append(Skipped(where, f"malformed JSON: {error.msg} at column {error.colno}"))
            continue
        except RecursionError:
            skipped.append(Skipped(where, "JSON nested too deeply to read"))
            continue
        records = data if isinstance(data, list) else [data]
        for index, record in enumerate(records):
            record_id = where if len(records) == 1 else f"{where}[{index}]"
            try:
                articles.append(_record_article(record, record_id))
            except SkipFile as reason:
                skipped.append(Skipped(record_id, str(reason)))
    if not articles and not skipped:
        skipped.append(Skipped(rel, "no records"))
    return LoadResult(articles, skipped)


def _record_article(record: object, record_id: str) -> Article:
    if not isinstance(record, dict):
        raise SkipFile("record is not a JSON object")
    body = record.get("body") or record.get("text") or record.get("content")
    if not isinstance(body, str):
        raise SkipFile("record has no text field (body, text or content)")
    fields = {
        key: str(record.get(name) or "")
        for key, name in (("title", "title"), ("source", "source"), ("url", "url"),
                          ("author", "author"))
    }
    fields["published"] = str(
        record.get("published_at") or record.get("published") or record.get("date") or ""
    )
    doc_id = fields["url"] or record_id
    return _article(doc_id, clean_text(body, find_title=False), **fields)


def _read_html(html: str) -> CleanedText:
    import trafilatura

    document = trafilatura.bare_extraction(
        html, output_format="python", include_comments=False, include_tables=False,
        with_metadata=True,
    )
    if document is None or not (document.text or "").strip():
        raise SkipFile("no article text found in the HTML")
    cleaned = clean_text(document.text, find_title=False)
    return CleanedText(
        text=cleaned.text,
        title=document.title or "",
        published=parse_date(document.date or "") or cleaned.published,
        author=document.author or cleaned.author,
        source=document.sitename or "",
        url=document.url or "",
    )


def _read_pdf(path: Path) -> CleanedText:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(path)
        if reader.is_encrypted:
            raise SkipFile("encrypted PDF")
        pages = [page.extract_text() or "" for page in reader.pages]
        meta = reader.metadata or {}
    except SkipFile:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError) as error:
        raise SkipFile(f"unreadable PDF: {error}") from None
    cleaned = clean_text(normalise("\n\n".join(pages)))
    title = str(meta.get("/Title") or "").strip()
    return CleanedText(
        text=cleaned.text, title=title or cleaned.title, published=cleaned.published,
        author=str(meta.get("/Author") or "").strip() or cleaned.author, source=cleaned.source,
        url=cleaned.url,
    )


def load_folder(root: Path, max_bytes: int) -> Iterator[tuple[Path, LoadResult]]:
    for path in find_files(root):
        yield path, load_file(path, root, max_bytes)
