"""A poll's results, computed: counts and percentages per option, the response rate, splits by
municipality, theme and association, free-text answers; the coordinator's message, a CSV, a PNG
chart, and the short summary respondents may get when the poll closes.

Who is a respondent: a person (their user id) in a private chat or, in a group where each member
answers, in that group; or an association that answers once in its group. The response rate
counts the chats asked that gave at least one answer (a private chat anonymised by /forget or
retention still counts: see `storage.polls.asked_count` and `answered_count`).

Anonymity (anonymous polls; named polls show everything to the poll's coordinators only):
- the answers are read without user ids (`storage.polls.answers(with_people=False)`);
- a split group with fewer than `MIN_GROUP` respondents is merged into "others", by the same
  rule as the feedback results (`bot.feedback.report.safe_groups`); a theme split counts a
  respondent under every theme their chat follows;
- free-text answers are listed in alphabetical order, never in the order they came;
- the CSV has one row per respondent and question without names or chat ids, sorted by content,
  with rare municipality / association combinations generalized (`feedback_report.generalized`).
Rendering: `report_text` (messages), `report_csv`, `report_chart`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.i18n import N_
from bot.feedback.report import MIN_GROUP, safe_groups
from storage import poll_answers, polls
from storage.db import Database, Writer
from storage.poll_answers import AnswerRow
from storage.polls import Poll, Question
from storage.privacy import ANONYMOUS_CHAT

KIND_NAMES = {
    "single": N_("one choice"),
    "multiple": N_("several choices"),
    "scale": N_("scale 1–5"),
    "text": N_("free text"),
}
Respondent = tuple[int, int]  # (chat id, respondent)


@dataclass(frozen=True, slots=True)
class OptionCount:
    label: str  # the option's text, or the scale value
    count: int
    share: float  # of the question's respondents, 0–1 (several choices can add up to more)
    names: tuple[str, ...] = ()  # named polls only


@dataclass(frozen=True, slots=True)
class GroupRow:
    key: str  # municipality code, theme id or association name; '' = not known
    respondents: int
    counts: tuple[int, ...]  # per option (scale: per value 1–5)


@dataclass(frozen=True, slots=True)
class Split:
    rows: tuple[GroupRow, ...]
    others: GroupRow | None
    too_small: bool  # every group (even merged) is under MIN_GROUP: nothing shown


@dataclass(frozen=True, slots=True)
class QuestionResult:
    question: Question
    respondents: int
    options: tuple[OptionCount, ...]  # empty for free text
    average: float | None  # scale questions
    texts: tuple[tuple[str, str | None], ...]  # (answer, name on named polls)
    by_municipality: Split | None
    by_theme: Split | None
    by_association: Split | None


@dataclass(frozen=True, slots=True)
class Results:
    poll: Poll
    asked: int
    answered_chats: int
    respondents: int
    questions: tuple[QuestionResult, ...]
    rows: tuple[AnswerRow, ...]
    names: dict[int, str]  # user id → name (named polls only)

    @property
    def rate(self) -> float:
        return self.answered_chats / self.asked if self.asked else 0.0


async def build(db: Database | Writer, poll: Poll) -> Results:
    rows = await poll_answers.answers(db, poll.id, with_people=not poll.anonymous)
    names: dict[int, str] = {}
    if not poll.anonymous:
        names = await poll_answers.people(db, [r.user_id for r in rows if r.user_id is not None])
    return compute(poll, await polls.asked_count(db, poll.id), rows, names)


def _values(question: Question) -> int:
    return 5 if question.kind == "scale" else len(question.options)


def index_of(question: Question, choice: int) -> int | None:
    """The position in the counts of a stored choice (scale values are 1–5)."""
    index = choice - 1 if question.kind == "scale" else choice
    return index if 0 <= index < _values(question) else None


def _split(labelled: Sequence[tuple[str, tuple[int, ...]]], width: int, min_group: int) -> Split:
    shown, rest = safe_groups(labelled, min_group)

    def row(key: str, items: list[tuple[int, ...]]) -> GroupRow:
        counts = [0] * width
        for chosen in items:
            for index in chosen:
                counts[index] += 1
        return GroupRow(key, len(items), tuple(counts))

    rows = tuple(row(key, items) for key, items in shown)
    if not rows:
        return Split((), None, too_small=bool(rest))
    return Split(rows, row("", rest) if rest else None, too_small=False)


def person(row: AnswerRow, poll: Poll, names: dict[int, str]) -> str | None:
    """The name shown with an answer: none on anonymous polls."""
    if poll.anonymous or row.user_id is None:
        return None
    name = names.get(row.user_id, str(row.user_id))
    if row.respondent == polls.ASSOCIATION and row.association:
        return f"{row.association} ({name})"
    return name


def compute(
    poll: Poll, asked: int, rows: Sequence[AnswerRow], names: dict[int, str] | None = None
) -> Results:
    """The results from the answer rows (CPU only; bench/poll_results.py times this)."""
    names = names or {}
    min_group = MIN_GROUP if poll.anonymous else 1
    by_question: dict[int, list[AnswerRow]] = defaultdict(list)
    everyone: set[Respondent] = set()
    # An answering chat; a private chat anonymised since (/forget, retention) is its pseudonym
    # in the anonymous chat (as `storage.polls.answered_count` counts).
    chats: set[Respondent] = set()
    for row in rows:
        by_question[row.question].append(row)
        everyone.add((row.chat_id, row.respondent))
        chats.add((row.chat_id, row.respondent if row.chat_id == ANONYMOUS_CHAT else 0))
    results = []
    for question in poll.questions:
        answers = by_question.get(question.position, [])
        if question.kind == "text":
            results.append(_text_result(question, answers, poll, names))
        else:
            results.append(_choice_result(question, answers, poll, names, min_group))
    return Results(
        poll=poll,
        asked=asked,
        answered_chats=len(chats),
        respondents=len(everyone),
        questions=tuple(results),
        rows=tuple(rows),
        names=names,
    )


def _text_result(
    question: Question, answers: Sequence[AnswerRow], poll: Poll, names: dict[int, str]
) -> QuestionResult:
    texts = sorted(
        ((r.text, person(r, poll, names)) for r in answers if r.text),
        key=lambda item: (item[0].casefold(), item[0], item[1] or ""),
    )
    respondents = len({(r.chat_id, r.respondent) for r in answers})
    return QuestionResult(question, respondents, (), None, tuple(texts), None, None, None)


def _choice_result(
    question: Question,
    answers: Sequence[AnswerRow],
    poll: Poll,
    names: dict[int, str],
    min_group: int,
) -> QuestionResult:
    width = _values(question)
    chosen: dict[Respondent, list[int]] = defaultdict(list)
    first: dict[Respondent, AnswerRow] = {}
    counts = [0] * width
    voters: list[list[str]] = [[] for _ in range(width)]
    for r in answers:
        index = index_of(question, r.choice)
        if index is None:
            continue
        key = (r.chat_id, r.respondent)
        chosen[key].append(index)
        first.setdefault(key, r)
        counts[index] += 1
        name = person(r, poll, names)
        if name is not None:
            voters[index].append(name)
    respondents = len(chosen)
    labels = [str(n) for n in range(1, 6)] if question.kind == "scale" else list(question.options)
    options = tuple(
        OptionCount(
            label,
            counts[i],
            counts[i] / respondents if respondents else 0.0,
            tuple(sorted(voters[i], key=str.casefold)),
        )
        for i, label in enumerate(labels)
    )
    average = None
    if question.kind == "scale" and respondents:
        average = sum((i + 1) * n for i, n in enumerate(counts)) / respondents
    items = [(first[key], tuple(indexes)) for key, indexes in chosen.items()]
    return QuestionResult(
        question,
        respondents,
        options,
        average,
        (),
        _split([(r.municipality_code or "", c) for r, c in items], width, min_group),
        _split([(t, c) for r, c in items for t in (r.themes or ("",))], width, min_group),
        _split([(r.association or "", c) for r, c in items], width, min_group),
    )
