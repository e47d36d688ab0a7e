"""What qa wrote in an index folder, so that it writes only into its own folders and deletes only its own files.

An index folder is qa's when it holds ``qa-index.json``, written when qa creates the index (or adopts an index that
an earlier qa wrote without one). The marker lists every name qa created in the folder, with its kind, recorded
*before* the file or folder is created; cleaning up removes only names listed there, by kind, never by a name
pattern alone. A folder with anything else in it and no marker is refused: it is somebody's folder, not an index.

Every change to the marker happens under the build lock (see ``qa.store.build_lock``), except ``claim``, which only
writes a marker into a folder that is new or empty.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from qa.errors import ConfigError

MARKER = "qa-index.json"
LOCK = ".build.lock"  # qa.store.LOCK: the build lock, created right after the marker
FORMAT = 1
# Kinds of names qa writes: a complete version, a version being built, a pointer being replaced, an exported model,
# a model being copied in, and the fixed files of the folder itself.
VERSION, BUILD, POINTER, MODEL, EXPORT, FIXED = "version", "build", "pointer", "model", "export", "fixed"


class ForeignFolder(ConfigError):
    """The index folder holds files that qa did not write."""


def _marker(root: Path) -> Path:
    return root / MARKER


def is_index(root: Path) -> bool:
    return _marker(root).is_file()


def owned(root: Path) -> dict[str, str]:
    """Every name qa recorded in ``root`` (relative posix paths) with its kind; empty when there is no marker."""
    try:
        data = json.loads(_marker(root).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    names = data.get("owned") if isinstance(data, dict) else None
    if not isinstance(names, dict):
        return {}
    return {str(k): str(v) for k, v in names.items()}


def _save(root: Path, names: dict[str, str]) -> None:
    tmp = root / (MARKER + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        json.dump({"qa": "index", "format": FORMAT, "owned": dict(sorted(names.items()))}, fh, indent=1)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, _marker(root))


def record(root: Path, name: str, kind: str) -> None:
    """Note that qa is about to create ``name`` in ``root`` (call before creating it)."""
    names = owned(root)
    if names.get(name) != kind:
        names[name] = kind
        _save(root, names)


def forget(root: Path, *names: str) -> None:
    """Drop names that no longer exist (removed, or renamed into another recorded name)."""
    current = owned(root)
    if any(n in current for n in names):
        for n in names:
            current.pop(n, None)
        _save(root, current)


def claim(root: Path, seeds: Path | None = None) -> None:
    """Make sure ``root`` is a qa index folder, creating the marker in a new or empty folder.

    An index written by an earlier qa (no marker, but a CURRENT naming a version with a qa manifest) is adopted:
    only the names it can prove are qa's are recorded. Anything else is refused in one line naming the folder.

    Raises:
        ForeignFolder: ``root`` is a file, or a non-empty folder that is not a qa index, or overlaps ``seeds``.
    """
    if seeds is not None:
        overlap(root, seeds)
    if root.exists() and not root.is_dir():
        raise ForeignFolder(f"the index folder {root} is a file; pass a new or empty folder with --index")
    if is_index(root):
        return
    root.mkdir(parents=True, exist_ok=True)
    entries = {p.name for p in root.iterdir()} - {MARKER + ".tmp"}
    if not entries:
        _save(root, {MARKER: FIXED, LOCK: FIXED})
        return
    adopted = _earlier_index(root)
    # Unfinished builds of that qa are tolerated but not recorded (so never deleted): their names alone prove nothing.
    leftovers = {n for n in entries if n.startswith((".tmp-v-", ".CURRENT."))}
    if adopted is None or not entries - leftovers <= set(adopted) | {"models"}:
        raise ForeignFolder(
            f"{root} is not empty and is not a qa index, so qa will not write into it; "
            "pass a new or empty folder with --index"
        )
    _save(root, {MARKER: FIXED, LOCK: FIXED, **adopted})


def _earlier_index(root: Path) -> dict[str, str] | None:
    """The names an index from before markers provably owns, or None if ``root`` is not such an index."""
    try:
        live = (root / "CURRENT").read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    names: dict[str, str] = {"CURRENT": FIXED, LOCK: FIXED}
    for folder in root.iterdir():
        manifest = _qa_manifest(folder)
        if manifest is not None:
            names[folder.name] = VERSION
            key = manifest.get("model_key")
            if isinstance(key, str) and (root / "models" / key).is_dir():
                names[f"models/{key}"] = MODEL
    return names if live in names else None


def _qa_manifest(folder: Path) -> dict[str, object] | None:
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if isinstance(manifest, dict) and "format" in manifest and "model_key" in manifest and "files" in manifest:
        return manifest
    return None


def overlap(index: Path, seeds: Path) -> None:
    """Refuse an index folder that is the articles folder, inside it, or holds it."""
    a, b = index.resolve(), seeds.resolve()
    if a == b:
        raise ForeignFolder(f"the index folder and the articles folder are the same ({index}); pass another --index")
    if b in a.parents:
        raise ForeignFolder(f"the index folder {index} is inside the articles folder {seeds}; pass another --index")
    if a in b.parents:
        raise ForeignFolder(f"the articles folder {seeds} is inside the index folder {index}; pass another --index")
