"""The /poll wizard's draft: the questions so far and the answers to the later steps, until it
becomes a NewPoll. It is stored as JSON between steps (handlers/wizard.py), so it survives a
restart."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from bot.audience.codec import spec_from_json, spec_to_json
from bot.audience.parsing import AudienceChoice
from storage.polls import GroupMode, NewPoll, NewQuestion, QuestionKind

__all__ = ["STEPS", "Draft"]

# The named steps, in order; "kind" and "options" repeat per question, "more" offers another.
STEPS = (
    "question",
    "kind",
    "options",
    "more",
    "audience",
    "privacy",
    "mode",
    "closes",
    "reminder",
    "share",
    "confirm",
)


@dataclass(frozen=True, slots=True)
class Draft:
    user_id: int
    step: str  # one of STEPS
    questions: tuple[NewQuestion, ...] = ()
    pending: str = ""  # the question text waiting for its kind (and options)
    pending_kind: QuestionKind | None = None
    choice: AudienceChoice | None = None
    audience_size: int = 0
    anonymous: bool = True
    group_mode: GroupMode = "association"
    closes_at: int = 0
    reminder_at: int | None = None
    share_results: bool = False

    def new_poll(self) -> NewPoll:
        return NewPoll(
            questions=self.questions,
            anonymous=self.anonymous,
            group_mode=self.group_mode,
            closes_at=self.closes_at,
            reminder_at=self.reminder_at,
            share_results=self.share_results,
        )

    def to_json(self) -> dict[str, Any]:
        """Everything but the user and the step, which the stored draft keeps beside it."""
        spec = self.choice.spec if self.choice is not None else None
        return {
            "questions": [[q.kind, q.text, list(q.options)] for q in self.questions],
            "pending": self.pending,
            "pending_kind": self.pending_kind,
            "audience": None if spec is None else spec_to_json(spec),
            "audience_size": self.audience_size,
            "anonymous": self.anonymous,
            "group_mode": self.group_mode,
            "closes_at": self.closes_at,
            "reminder_at": self.reminder_at,
            "share_results": self.share_results,
        }

    @classmethod
    def from_json(cls, user_id: int, step: str, value: dict[str, Any]) -> Draft:
        audience = value.get("audience")
        return cls(
            user_id,
            step,
            questions=tuple(
                NewQuestion(cast(QuestionKind, kind), text, tuple(options))
                for kind, text, options in value.get("questions", ())
            ),
            pending=value.get("pending", ""),
            pending_kind=value.get("pending_kind"),
            choice=None if audience is None else AudienceChoice(spec_from_json(audience), ()),
            audience_size=int(value.get("audience_size", 0)),
            anonymous=bool(value.get("anonymous", True)),
            group_mode=value.get("group_mode", "association"),
            closes_at=int(value.get("closes_at", 0)),
            reminder_at=value.get("reminder_at"),
            share_results=bool(value.get("share_results", False)),
        )
