"""`python -m bot backup`: a consistent copy of a live database with SQLite's online backup API.

The copy is taken from a read-only connection in one backup step, i.e. inside one read
transaction: with WAL the running bot keeps writing meanwhile and the copy is the database as it
was at one commit. It is written to a temporary file beside the target, switched to a rollback
journal (one self-contained file, no -wal beside it), checked with PRAGMA integrity_check and only
then moved to the target name, so a failed backup never leaves a half-written file there.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from storage.db import BUSY_TIMEOUT_MS, SQLITE_HEADER, DatabaseError

__all__ = ["BackupInfo", "copy"]


@dataclass(frozen=True, slots=True)
class BackupInfo:
    path: Path
    size: int  # bytes
    schema_version: int
    integrity: str  # "ok"


def _check_source(path: Path) -> None:
    if not path.exists():
        raise DatabaseError(f"{path} does not exist")
    if path.is_dir():
        raise DatabaseError(f"{path} is a directory, not a database file")
    with path.open("rb") as fh:
        if fh.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise DatabaseError(f"{path} is not an SQLite database")


def _move_without_replacing(temporary: Path, target: Path) -> None:
    try:
        os.link(temporary, target)  # atomic: fails if someone created the target meanwhile
    except FileExistsError:
        raise FileExistsError(f"{target} exists (use --force to replace it)") from None
    except OSError:  # a file system without hard links
        if target.exists():
            raise FileExistsError(f"{target} exists (use --force to replace it)") from None
        os.replace(temporary, target)
    else:
        temporary.unlink()


def copy(source: Path, target: Path, *, force: bool = False) -> BackupInfo:
    """Copy `source` to `target`; refuses an existing target unless `force`."""
    _check_source(source)
    if target.exists() and not force:
        raise FileExistsError(f"{target} exists (use --force to replace it)")
    if target.is_dir():
        raise DatabaseError(f"{target} is a directory")
    if not target.parent.is_dir():
        raise DatabaseError(f"{target.parent} is not a directory")
    if target.exists() and target.resolve() == source.resolve():
        raise DatabaseError("the backup cannot replace the database itself")
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
        try:
            src.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            dest = sqlite3.connect(temporary)
            try:
                src.backup(dest)  # pages=-1: everything in one step, one snapshot
                dest.execute("PRAGMA journal_mode = DELETE").fetchall()
                checks = [row[0] for row in dest.execute("PRAGMA integrity_check").fetchall()]
                version = int(dest.execute("PRAGMA user_version").fetchone()[0])
            finally:
                dest.close()
        finally:
            src.close()
        integrity = "ok" if checks == ["ok"] else "; ".join(str(c) for c in checks[:3])
        if integrity != "ok":
            raise DatabaseError(f"the copy failed PRAGMA integrity_check: {integrity}")
        if force:
            os.replace(temporary, target)
        else:
            _move_without_replacing(temporary, target)
    except sqlite3.Error as exc:
        raise DatabaseError(f"{source}: {exc}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
    return BackupInfo(target, target.stat().st_size, version, integrity)
