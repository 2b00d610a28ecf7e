"""A draft kind belongs to the module that defines it: the same module again (a reload) is
fine, another module claiming the kind is a clash."""

from __future__ import annotations

import importlib

import pytest

from handlers import wizard
from handlers.polls import steps


def test_reloading_a_module_keeps_its_kind() -> None:
    importlib.reload(steps)
    assert steps.KIND.name == "poll"


def test_another_module_may_not_take_a_kind() -> None:
    try:
        wizard.DraftKind("kindtest", "tests.one")
        wizard.DraftKind("kindtest", "tests.one")
        with pytest.raises(ValueError, match="two wizards keep drafts of kind 'kindtest'"):
            wizard.DraftKind("kindtest", "tests.two")
    finally:
        wizard._KINDS.pop("kindtest", None)
