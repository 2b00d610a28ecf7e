"""The places an event's yes answers hold, overall and per breakout session, as one RSVP tap
counts them inside its transaction (bot/events/rsvp.py)."""

from __future__ import annotations

from dataclasses import dataclass

from storage.rsvps import Rsvp

__all__ = ["Seats"]


@dataclass(slots=True)
class Seats:
    """`taken`: places held by yes answers (the event's, and by session id); `take` adds one
    answer's. An event without sessions has empty session maps and the event's rule alone."""

    capacity: int | None
    taken: int
    session_capacity: dict[int, int | None]
    session_taken: dict[int, int]

    @property
    def limited(self) -> bool:
        """Whether any answer can ever not fit."""
        return self.capacity is not None or any(
            c is not None for c in self.session_capacity.values()
        )

    def event_fits(self, rsvp: Rsvp) -> bool:
        return self.capacity is None or self.taken + rsvp.headcount <= self.capacity

    def fits(self, rsvp: Rsvp) -> bool:
        """Room for the answer's people in the event and in its session."""
        if not self.event_fits(rsvp):
            return False
        if rsvp.session_id is None:
            return True
        capacity = self.session_capacity.get(rsvp.session_id)
        taken = self.session_taken.get(rsvp.session_id, 0)
        return capacity is None or taken + rsvp.headcount <= capacity

    def take(self, rsvp: Rsvp) -> None:
        self.taken += rsvp.headcount
        if rsvp.session_id is not None:
            self.session_taken[rsvp.session_id] = (
                self.session_taken.get(rsvp.session_id, 0) + rsvp.headcount
            )
