"""The layers hold: storage/ knows nothing above it, bot/ does not reach up into handlers/
(bot/app.py assembles the application and is the one exception), and the Telegram stand-in
stays off the production path (only itself, the demo, tests and benchmarks import it).

Every import statement counts, including those inside functions and under TYPE_CHECKING: a lazy
import is still a dependency.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# (importing file, imported module) pairs that break a rule today, each with the reason it may.
ALLOWED: set[tuple[str, str]] = set()


def _package(path: Path) -> list[str]:
    """The package a relative import starts from (for a/b/c.py and a/b/__init__.py: a.b)."""
    return list(path.relative_to(ROOT).parent.parts)


def _imports(path: Path) -> Iterator[list[str]]:
    """For each module the file imports, relative imports resolved, the names it may stand for:
    `from a import b` may import the module a.b, so it yields [a, a.b]."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from ([alias.name] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = _package(path)
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            yield from ([module, f"{module}.{alias.name}"] for alias in node.names)


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _violations() -> set[tuple[str, str]]:
    found = set()
    for top in ("bot", "handlers", "storage"):
        for path in sorted((ROOT / top).rglob("*.py")):
            name = path.relative_to(ROOT).as_posix()
            for candidates in _imports(path):
                breaking = next((m for m in candidates if _breaks_a_rule(name, m)), None)
                if breaking:
                    found.add((name, breaking))
    return found


def _breaks_a_rule(name: str, module: str) -> bool:
    if name.startswith("storage/") and (_within(module, "bot") or _within(module, "handlers")):
        return True
    if name.startswith("bot/") and name != "bot/app.py" and _within(module, "handlers"):
        return True
    stand_in_side = name.startswith(("bot/sandbox/", "bot/demo/"))
    if _within(module, "bot.sandbox") and not stand_in_side:
        return True
    return _private_library_module(module)


_OWN = ("bot", "handlers", "storage", "tests", "bench", "tools")


def _private_library_module(module: str) -> bool:
    """A library's private module (`telegram._utils.types`): its layout may change in any
    release. The first part of `from a import _b` is a module, so only parts before the last
    count (a name imported from a module is judged by `_private_names`)."""
    parts = module.split(".")
    if parts[0] in _OWN or parts[0] == "__future__":
        return False
    return any(part.startswith("_") and not part.startswith("__") for part in parts[:-1]) or (
        parts[-1].startswith("_") and not parts[-1].startswith("__") and len(parts) > 1
    )


def test_no_import_goes_up_a_layer_or_into_the_stand_in() -> None:
    violations = _violations()
    assert violations - ALLOWED == set()
    # An entry whose import is gone must go too, or it would let the next one in unnoticed.
    assert ALLOWED - violations == set(), "delete the allowlist entry: the import is gone"


def test_the_rules_see_what_they_forbid() -> None:
    assert _breaks_a_rule("bot/events/cards.py", "handlers.common")
    assert not _breaks_a_rule("bot/app.py", "handlers.start")
    assert _breaks_a_rule("storage/events.py", "bot.core.clock")
    assert _breaks_a_rule("handlers/start.py", "bot.sandbox")
    assert not _breaks_a_rule("bot/demo/privacy.py", "bot.sandbox.common")
    assert not _breaks_a_rule("handlers/start.py", "bot.sandboxes")
    assert _breaks_a_rule("bot/delivery/http_client.py", "telegram._utils.types")
    assert _breaks_a_rule("bot/delivery/http_client.py", "telegram._utils")
    assert not _breaks_a_rule("bot/delivery/http_client.py", "telegram.request")
    assert not _breaks_a_rule("storage/db.py", "storage._private_helper")
