"""Files and folders: txt, md, html, pdf, docx, read recursively in sorted (stable) order.

Keys: a file's key is its name without extension ("riktlinjer.pdf" → "riktlinjer"). When two
supported files share a name without extension, both get their path relative to their root
folder, without extension ("socialtjanst/riktlinjer", "bygglov/riktlinjer"); when that still
collides (same folder, different extensions), the path with extension. With several roots the
relative path starts with the root folder's name. Unsupported files are skipped with their
relative path (with extension) as key.

Symbolic links are never followed out of a root: linked folders are not entered, and a linked
file is read only if it resolves to a place inside its root. Hidden files and folders (".git",
"~$lock.docx") are left out silently.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from tillit.knowledge.connectors.base import SourceUnavailable, to_document
from tillit.knowledge.documents import Skipped, SourceDocument
from tillit.knowledge.extract import (
    DEFAULT_MAX_BYTES,
    UNSUPPORTED,
    ExtractError,
    check_size,
    extract,
    media_type_for,
)


class FileConnector:
    def __init__(
        self,
        paths: list[Path] | list[str],
        max_bytes: int = DEFAULT_MAX_BYTES,
        known_keys: dict[str, str] | None = None,
    ) -> None:
        """``known_keys``: file path → the key its document already has in the collection, so
        that a re-ingest keeps every id (a new file with the same name gets a longer key)."""
        self.roots = [Path(p).expanduser().absolute() for p in paths]
        self.max_bytes = max_bytes
        self.known_keys = known_keys or {}

    def documents(self) -> Iterator[SourceDocument | Skipped]:
        missing = [str(root) for root in self.roots if not root.exists()]
        if missing:
            raise SourceUnavailable(f"Finns inte: {', '.join(missing)}", code="path_not_found")
        files = [(root, path) for root in self.roots for path in _walk(root)]
        supported = [(r, p) for r, p in files if media_type_for(p.name)]
        keys = assign_keys(supported, several_roots=len(self.roots) > 1, known=self.known_keys)
        for root, path in files:
            relative = _relative(root, path, len(self.roots) > 1)
            if (root, path) not in keys:
                yield Skipped(relative, str(path), f"{UNSUPPORTED}: {path.suffix or path.name}")
                continue
            yield self._read(root, path, keys[(root, path)])

    def _read(self, root: Path, path: Path, key: str) -> SourceDocument | Skipped:
        try:
            if not _inside(root, path):
                return Skipped(key, str(path), "symbolisk länk pekar utanför mappen")
            stat = path.stat()
            check_size(stat.st_size, self.max_bytes)
            data = path.read_bytes()
            extracted = extract(data, filename=path.name, max_bytes=self.max_bytes)
        except ExtractError as exc:
            return Skipped(key, str(path), exc.reason)
        except OSError as exc:
            return Skipped(key, str(path), f"kunde inte läsas: {exc.strerror or exc}")
        except Exception as exc:  # one odd file must not stop the others
            return Skipped(key, str(path), f"kunde inte tolkas: {type(exc).__name__}")
        modified = dt.datetime.fromtimestamp(stat.st_mtime, tz=dt.UTC)
        return to_document(
            extracted,
            key=key,
            source=str(path),
            fallback_title=path.stem,
            version=modified.isoformat(timespec="seconds"),
            extra={"file_name": path.name, "size": str(stat.st_size)},
        )


def _walk(root: Path) -> Iterator[Path]:
    if not root.is_dir():
        yield root
        return
    for folder, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not _hidden(d))
        for name in sorted(filenames):
            path = Path(folder) / name
            if not _hidden(name) and (path.is_file() or path.is_symlink()):
                yield path


def _hidden(name: str) -> bool:
    return name.startswith((".", "~$"))


def _inside(root: Path, path: Path) -> bool:
    if path == root or not path.is_symlink():
        return True
    return path.resolve().is_relative_to(root.resolve())


def _relative(root: Path, path: Path, prefix_root: bool) -> str:
    if not root.is_dir():
        return path.name
    relative = path.relative_to(root).as_posix()
    return f"{root.name}/{relative}" if prefix_root else relative


def assign_keys(
    files: list[tuple[Path, Path]],
    *,
    several_roots: bool = False,
    known: dict[str, str] | None = None,
) -> dict[tuple[Path, Path], str]:
    """A file that already has a document keeps its key (``known``: path → key); others get
    their stem if unique; else relative path without extension; else with extension; else
    "~n"."""

    def without_suffix(item: tuple[Path, Path]) -> str:
        relative = _relative(*item, several_roots)
        return relative[: -len(item[1].suffix)] if item[1].suffix else relative

    candidates = [
        lambda item: item[1].stem,
        without_suffix,
        lambda item: _relative(*item, several_roots),
    ]
    known = known or {}
    keys = {item: known[str(item[1])] for item in files if str(item[1]) in known}
    pending = [item for item in files if item not in keys]
    for candidate in candidates:
        counts = Counter(candidate(item) for item in pending)
        counts.update(keys.values())
        keys.update({item: candidate(item) for item in pending if counts[candidate(item)] == 1})
        pending = [item for item in pending if item not in keys]
    taken = Counter(keys.values())
    for item in pending:  # same path twice (a root given twice): number them in order
        base = _relative(*item, several_roots)
        taken[base] += 1
        keys[item] = f"{base}~{taken[base]}"
    return keys
