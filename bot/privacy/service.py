"""Privacy self-service and retention: the /privacy text, the /mydata document, /forget with a
signed confirmation, and the daily retention job.

What is stored and how it is exported, erased or anonymised lives table by table in
`storage/privacy.py` (a registry other features add their tables to); this module adds what needs
the configuration, the clock and the callback key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from bot.core.callbacks import claim
from bot.core.config import Config
from bot.core.i18n import Texts
from bot.environment import Environment
from storage import (  # noqa: F401 - sections register
    contacts,
    listings,
    organisers,
    privacy,
    proposals,
    schedule,
    shift_signups,
    topics,
    volunteer_calls,
    volunteer_profiles,
)
from storage.db import Database, Writer
from storage.schedule import Job, PlannedJob

__all__ = [
    "AREA",
    "CONFIRM_TTL",
    "RETENTION_AT",
    "RETENTION_KEY",
    "RETRY_SOON",
    "ConfirmProblem",
    "Forgotten",
    "MyData",
    "check_confirmation",
    "confirmation_data",
    "ensure_retention_job",
    "export_my_data",
    "forget_user",
    "next_retention_time",
    "privacy_text",
    "retention_cutoff",
    "run_retention",
]

AREA = claim("prv", __name__)  # callback data area of the /forget buttons
CONFIRM_TTL = 15 * 60  # a confirmation button works this long
RETENTION_KEY = "retention:daily"
RETENTION_AT = time(3, 30)  # local time: a quiet hour
RETRY_SOON = 60  # seconds: when a run left work for later (a large backlog)
FORMAT_VERSION = 1

log = logging.getLogger("jarjestobotti.privacy")

Action = Literal["yes", "no"]
ConfirmProblem = Literal["expired", "forged", "not_yours"]


# --- /privacy --------------------------------------------------------------------------------


def privacy_text(t: Texts, months: int, *, admin_by_config: bool = False) -> str:
    """What is stored, why, who sees what and for how long — derived from the schema:
    users, chats and subscriptions, rsvps, feedback, roles, the outbox (see storage/privacy.py)."""
    sections = [
        t._("<b>🔒 Privacy: what I store about you</b>"),
        t._(
            "<b>What</b>\n"
            "• Your Telegram id, name, username and app language, as Telegram tells me.\n"
            "• This chat's language, subscriptions (municipalities, themes), pause, quiet hours "
            "and digest.\n"
            "• Your answers to events: coming / maybe / can't, how many people, for which "
            "association, and in which chat you answered.\n"
            "• Your feedback: rating, whether you attended, your comment.\n"
            "• Coordinators and administrators: their role and area, and the events, "
            "announcements and invitation links they made.\n"
            "• A delivery log of the messages I sent you."
        ),
        t._(
            "<b>Why</b>\n"
            "To send you the invitations you chose, remind you before the events you are coming "
            "to, let the organisers plan (how many come, from which associations) and improve "
            "events with your feedback. Nothing else: no advertising, nothing is sold or shared."
        ),
        t._(
            "<b>Who sees what</b>\n"
            "• An event's coordinators (and the administrators) see the names of those who "
            "answered that event, with their association, and can download them as a CSV.\n"
            "• Feedback is anonymous: coordinators see totals (small groups merged) and comments "
            "without names.\n"
            "• In group chats cards show only counts, never who answered.\n"
            "• Whoever runs the bot can read its database; Telegram carries the messages."
        ),
        t._(
            "<b>The association directory</b>\n"
            "It shows only what an association chose to publish: name, municipalities, themes, "
            "what it does, languages, a public contact, whether it welcomes volunteers and its "
            "group's join link — never who published it. Publishing is a choice and can be "
            "undone (/profile); /mydata includes what you published, /forget removes your own "
            "listings and your name from group profiles."
        ),
        t._(
            "<b>How long</b>\n"
            "Your subscriptions and settings: until you remove them or use /forget. {months} "
            "months after an event, who answered it and the feedback comments are removed; the "
            "numbers stay. The delivery log is anonymised after the same time.",
            months=months,
        ),
        t._(
            "<b>Your choices</b>\n"
            "/mydata — a file with everything I store about you.\n"
            "/forget — delete your data. Your answers stay counted without your name.\n"
            "/unsubscribe or /pause — stop the messages but keep the rest."
        ),
    ]
    if admin_by_config:
        sections.append(
            t._(
                "You are an administrator by the bot's configuration: /forget deletes your data, "
                "but you stay an administrator until the configuration changes."
            )
        )
    return "\n\n".join(sections)


# --- /mydata ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MyData:
    filename: str
    data: bytes
    counts: dict[str, int]  # section → number of entries, for the reply and the demo


def _size(value: object) -> int:
    if value is None:
        return 0
    if isinstance(value, list):
        return len(value)
    if isinstance(value, dict) and all(isinstance(v, list) for v in value.values()):
        return sum(len(v) for v in value.values())
    return 1


async def export_my_data(db: Database, config: Config, user_id: int, now: int) -> MyData:
    sections = await privacy.export(db, user_id)
    document: dict[str, object] = {
        "about": {
            "service": "Järjestöbotti",
            "format": FORMAT_VERSION,
            "generated_at": privacy.iso(now),
            "user_id": user_id,
            "administrator_by_configuration": user_id in config.bot.admins,
            "retention_months": config.privacy.retention_months,
            "times": "UTC, ISO 8601",
        },
        **sections,
    }
    day = datetime.fromtimestamp(now, config.bot.timezone).date().isoformat()
    return MyData(
        filename=f"jarjestobotti-mydata-{day}.json",
        data=privacy.dumps(document),
        counts={name: _size(value) for name, value in sections.items()},
    )


# --- /forget ---------------------------------------------------------------------------------


def _sign(key: bytes, action: str, user_id: int, chat_id: int, issued: int) -> str:
    message = f"forget|{action}|{user_id}|{chat_id}|{issued}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:16].replace("=", "")


def confirmation_data(
    key: bytes, action: Action, user_id: int, chat_id: int, now: int
) -> tuple[str, ...]:
    """Callback parts after the area: action, user, time and signature (bound to the chat)."""
    return (action, str(user_id), str(now), _sign(key, action, user_id, chat_id, now))


def check_confirmation(
    key: bytes,
    parts: tuple[str, ...],
    *,
    tapper: int,
    chat_id: int,
    now: int,
) -> tuple[Action, ConfirmProblem | None]:
    """A /forget button is valid for the person it was made for, in the chat it was sent to,
    for `CONFIRM_TTL` seconds; anything rewritten or copied fails the signature."""
    if len(parts) != 4 or parts[0] not in ("yes", "no"):
        return "no", "forged"
    action: Action = "yes" if parts[0] == "yes" else "no"
    try:
        user_id, issued = int(parts[1]), int(parts[2])
    except ValueError:
        return action, "forged"
    expected = _sign(key, action, user_id, chat_id, issued)
    if not hmac.compare_digest(expected, parts[3]):
        return action, "forged"
    if tapper != user_id:
        return action, "not_yours"
    if not 0 <= now - issued <= CONFIRM_TTL:
        return action, "expired"
    return action, None


@dataclass(frozen=True, slots=True)
class Forgotten:
    answers_kept: int  # RSVP and feedback rows kept under pseudonyms
    admin_by_config: bool


async def forget_user(db: Database, config: Config, user_id: int) -> Forgotten:
    """Everything about the person, in one transaction (see storage.privacy.forget)."""
    async with db.transaction() as tx:
        person = await privacy.forget(tx, user_id, tx.now())
    return Forgotten(person.counts.get("answers", 0), user_id in config.bot.admins)


# --- retention -------------------------------------------------------------------------------


def _months_back(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def retention_cutoff(now: int, months: int, tz: ZoneInfo) -> int:
    """The moment `months` calendar months before `now`, local time (e.g. 24 months before
    15.3.2029 10:00 is 15.3.2027 10:00); what ended before it is anonymised."""
    local = datetime.fromtimestamp(now, tz)
    back = _months_back(local.date(), months)
    return int(datetime.combine(back, local.time(), tz).timestamp())


def next_retention_time(now: int, tz: ZoneInfo) -> int:
    """The next RETENTION_AT local time strictly after `now`."""
    day = datetime.fromtimestamp(now, tz).date()
    while True:
        slot = int(datetime.combine(day, RETENTION_AT, tz).timestamp())
        if slot > now:
            return slot
        day += timedelta(days=1)


async def ensure_retention_job(db: Database, now: int, tz: ZoneInfo) -> int:
    """Make sure the daily job is pending (idempotent; called at start-up). A pending row keeps
    its time, so a run missed while the bot was down happens once at start-up; a row that was
    skipped (a failed run) or cancelled is planned again. Returns its due time."""
    async with db.transaction() as tx:
        job = await schedule.get(tx, RETENTION_KEY)
        if job is not None and job.state == "pending":
            return job.due_at
        due = next_retention_time(now, tz)
        await schedule.upsert(tx, [PlannedJob(RETENTION_KEY, "retention", due)], now)
        return due


async def run_retention(env: Environment, tx: Writer, job: Job, now: int) -> str | None:
    """Anonymise what is older than the retention period, then come back tomorrow at 03:30
    (or in a minute, when a large backlog was left for the next run)."""
    config = env.config
    tz = config.bot.timezone
    cutoff = retention_cutoff(now, config.privacy.retention_months, tz)
    result = await privacy.retain(tx, privacy.Retention(cutoff=cutoff, now=now))
    next_due = now + RETRY_SOON if result.more else next_retention_time(now, tz)
    log.info(
        "retention: %d rows anonymised (cutoff %d, more: %s)", result.changed, cutoff, result.more
    )
    await schedule.move(tx, job.key, next_due, now)
    return None
