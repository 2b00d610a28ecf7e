"""The /newevent draft: fields filled one answer at a time, each through the same checkers as
the import, until it becomes EventFields. Between answers it is stored as JSON (`to_json`,
`from_json`; handlers/wizard.py), so it survives a restart."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, tzinfo
from typing import Any, cast

from bot.core.dates import DateError, parse_datetime
from bot.core.place_search import PlaceIndex, split_names
from bot.core.places import PlaceCatalog
from bot.events.fields import (
    EventFields,
    EventKind,
    FieldError,
    check_capacity,
    check_deadline,
    check_description,
    check_online_url,
    check_place,
    check_title,
    parse_end,
)
from bot.events.for_whom import check_programme
from bot.events.series import Pattern, SeriesRule, pattern_rule, with_default_end

__all__ = ["Draft", "Proposing", "Repeat", "parse_municipalities", "parse_place", "parse_start"]


@dataclass(frozen=True, slots=True)
class Repeat:
    """The wizard's repeat choice; the rule follows the start, so moving the start moves it."""

    pattern: Pattern
    months: tuple[int, ...] = ()  # empty: every month
    count: int | None = None  # neither count nor until: the next 12 months
    until: date | None = None

    def rule(self, first_start: datetime) -> SeriesRule:
        """The rule for a series whose first start is `first_start` (in the local zone)."""
        rule = pattern_rule(self.pattern, first_start.date()).with_months(self.months)
        if self.count is None and self.until is None:
            return with_default_end(rule, first_start)
        return rule.ending(count=self.count, until=self.until)

    def to_json(self) -> dict[str, Any]:
        return {
            "pattern": self.pattern,
            "months": list(self.months),
            "count": self.count,
            "until": _day(self.until),
        }

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Repeat:
        until = value.get("until")
        return cls(
            pattern=cast(Pattern, value["pattern"]),
            months=tuple(value.get("months", ())),
            count=value.get("count"),
            until=None if until is None else date.fromisoformat(until),
        )


@dataclass(frozen=True, slots=True)
class Proposing:
    """The draft is an event proposal (bot/proposals/), not an event: for which association;
    when it edits a stored proposal, which one at which revision; `approving`: a coordinator's
    edited copy, approved (rather than sent) at the end."""

    listing_id: int | None
    chat_id: int | None
    association: str
    proposal_id: int | None = None
    revision: int = 0
    approving: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "listing_id": self.listing_id,
            "chat_id": self.chat_id,
            "association": self.association,
            "proposal_id": self.proposal_id,
            "revision": self.revision,
            "approving": self.approving,
        }

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Proposing:
        return cls(
            listing_id=value.get("listing_id"),
            chat_id=value.get("chat_id"),
            association=value.get("association", ""),
            proposal_id=value.get("proposal_id"),
            revision=int(value.get("revision", 0)),
            approving=bool(value.get("approving", False)),
        )


@dataclass(frozen=True, slots=True)
class Draft:
    user_id: int
    kind: EventKind | None = None
    title: str = ""
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    place: str = ""
    online_url: str = ""
    municipalities: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    description: str = ""
    capacity: int | None = None
    rsvp_deadline: datetime | None = None
    reminders: tuple[int, ...] = ()
    for_whom: tuple[str, ...] = ()
    programme: tuple[str, ...] = ()
    editing: int | None = None  # the published event being edited
    reviewing: bool = False  # answering one field from the preview's edit menu
    repeat: Repeat | None = None  # a new event only: publish a series
    proposing: Proposing | None = None  # an association's proposal, not an event

    def series_rule(self, tz: tzinfo) -> SeriesRule | None:
        if self.repeat is None or self.starts_at is None:
            return None
        return self.repeat.rule(self.starts_at.astimezone(tz))

    def missing(self) -> list[str]:
        """The required wizard steps not answered yet, in the wizard's order."""
        unanswered = {
            "kind": self.kind is None,
            "title": not self.title,
            "start": self.starts_at is None,
            "place": not (self.place or self.online_url),
            "municipalities": not self.municipalities,
        }
        return [step for step, empty in unanswered.items() if empty]

    def complete(self) -> EventFields | None:
        if self.missing() or self.kind is None or self.starts_at is None:
            return None
        return EventFields(
            kind=self.kind,
            title=self.title,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            place=self.place,
            online_url=self.online_url,
            municipalities=self.municipalities,
            themes=self.themes,
            description=self.description,
            capacity=self.capacity,
            rsvp_deadline=self.rsvp_deadline,
            reminders=self.reminders,
            for_whom=self.for_whom,
            programme=self.programme,
        )

    @classmethod
    def of(cls, user_id: int, fields: EventFields, editing: int | None) -> Draft:
        return cls(
            user_id=user_id,
            kind=fields.kind,
            title=fields.title,
            starts_at=fields.starts_at,
            ends_at=fields.ends_at,
            place=fields.place,
            online_url=fields.online_url,
            municipalities=fields.municipalities,
            themes=fields.themes,
            description=fields.description,
            capacity=fields.capacity,
            rsvp_deadline=fields.rsvp_deadline,
            reminders=fields.reminders,
            for_whom=fields.for_whom,
            programme=fields.programme,
            editing=editing,
        )

    def to_json(self) -> dict[str, Any]:
        """Everything but the user, whom the stored draft keeps beside it."""
        return {
            "kind": self.kind,
            "title": self.title,
            "starts_at": _moment(self.starts_at),
            "ends_at": _moment(self.ends_at),
            "place": self.place,
            "online_url": self.online_url,
            "municipalities": list(self.municipalities),
            "themes": list(self.themes),
            "description": self.description,
            "capacity": self.capacity,
            "rsvp_deadline": _moment(self.rsvp_deadline),
            "reminders": list(self.reminders),
            "for_whom": list(self.for_whom),
            "programme": list(self.programme),
            "editing": self.editing,
            "reviewing": self.reviewing,
            "repeat": None if self.repeat is None else self.repeat.to_json(),
            "proposing": None if self.proposing is None else self.proposing.to_json(),
        }

    def event_json(self) -> dict[str, Any]:
        """The event's own fields, without the wizard's state: what a proposal stores."""
        value = self.to_json()
        for key in ("editing", "reviewing", "repeat", "proposing", "reminders"):
            del value[key]
        return value

    @classmethod
    def from_json(cls, user_id: int, value: dict[str, Any]) -> Draft:
        repeat = value.get("repeat")
        proposing = value.get("proposing")
        return cls(
            user_id=user_id,
            kind=cast(EventKind | None, value.get("kind")),
            title=value.get("title", ""),
            starts_at=_parse_moment(value.get("starts_at")),
            ends_at=_parse_moment(value.get("ends_at")),
            place=value.get("place", ""),
            online_url=value.get("online_url", ""),
            municipalities=tuple(value.get("municipalities", ())),
            themes=tuple(value.get("themes", ())),
            description=value.get("description", ""),
            capacity=value.get("capacity"),
            rsvp_deadline=_parse_moment(value.get("rsvp_deadline")),
            reminders=tuple(value.get("reminders", ())),
            for_whom=tuple(value.get("for_whom", ())),
            programme=tuple(value.get("programme", ())),
            editing=value.get("editing"),
            reviewing=bool(value.get("reviewing", False)),
            repeat=None if repeat is None else Repeat.from_json(repeat),
            proposing=None if proposing is None else Proposing.from_json(proposing),
        )

    def with_title(self, text: str) -> Draft:
        return replace(self, title=check_title(text))

    def with_start(self, text: str, now: datetime, tz: tzinfo) -> Draft:
        start = parse_start(text, now, tz)
        end = self.ends_at
        if end is not None and self.starts_at is not None:
            end = start + (end - self.starts_at)  # moving the start keeps the length
        deadline = self.rsvp_deadline if self.rsvp_deadline and self.rsvp_deadline < start else None
        return replace(self, starts_at=start, ends_at=end, rsvp_deadline=deadline)

    def with_end(self, text: str, tz: tzinfo) -> Draft:
        assert self.starts_at is not None
        return replace(self, ends_at=parse_end(text, self.starts_at, tz))

    def with_place(self, text: str) -> Draft:
        place, url = parse_place(text)
        return replace(self, place=place, online_url=url)

    def with_description(self, text: str) -> Draft:
        return replace(self, description=check_description(text))

    def with_programme(self, text: str) -> Draft:
        return replace(self, programme=check_programme(text))

    def with_capacity(self, text: str) -> Draft:
        return replace(self, capacity=check_capacity(text))

    def with_deadline(self, text: str, now: datetime, tz: tzinfo) -> Draft:
        assert self.starts_at is not None
        deadline = parse_start(text, now, tz)
        return replace(self, rsvp_deadline=check_deadline(deadline, self.starts_at))


def _moment(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()  # with its offset: an aware datetime


def _parse_moment(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def parse_start(text: str, now: datetime, tz: tzinfo) -> datetime:
    try:
        return parse_datetime(text, now, tz)
    except DateError as exc:
        raise FieldError(exc.reason) from None


def parse_place(text: str) -> tuple[str, str]:
    """An address, an online link, or both (any order, on separate lines or in one line)."""
    place_parts: list[str] = []
    url = ""
    for word in text.replace("\n", " \n ").split(" "):
        if word.startswith(("http://", "https://")) and not url:
            url = check_online_url(word)
        else:
            place_parts.append(word)
    place = check_place(" ".join(" ".join(place_parts).split()).strip(" ,;"))
    if not place and not url:
        raise FieldError("empty")
    return place, url


def parse_municipalities(
    text: str, index: PlaceIndex, catalog: PlaceCatalog
) -> tuple[tuple[str, ...], list[str]]:
    """Municipality names or codes; a region or wellbeing county stands for all its
    municipalities. Returns (codes, names not recognised)."""
    codes: list[str] = []
    unknown: list[str] = []
    for name in split_names(text):
        found = index.search(name).exact
        if found is None:
            unknown.append(name)
        elif found.kind == "municipality":
            codes.append(found.code)
        elif found.kind == "region":
            codes.extend(m.code for m in catalog.municipalities_in_region(found.code))
        else:
            codes.extend(m.code for m in catalog.municipalities_in_county(found.code))
    return tuple(sorted(set(codes))), unknown
