"""The bot's commands: one registry used by /help and by setMyCommands."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

from telegram import Bot, BotCommand, BotCommandScope, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import BadRequest

from bot.core.i18n import N_, Texts, Translator

__all__ = [
    "COMMANDS",
    "CommandInfo",
    "CommandList",
    "CommandPublisher",
    "Role",
    "command_lists",
    "commands_for",
    "publish_commands",
]

log = logging.getLogger("jarjestobotti.commands")

Role = Literal["participant", "coordinator", "admin"]
_RANK: dict[Role, int] = {"participant": 0, "coordinator": 1, "admin": 2}


@dataclass(frozen=True, slots=True)
class CommandInfo:
    name: str
    description: str  # msgid, translated when shown
    role: Role = "participant"


COMMANDS: tuple[CommandInfo, ...] = (
    CommandInfo("start", N_("Welcome and first steps")),
    CommandInfo("help", N_("What I can do for you")),
    CommandInfo("subscribe", N_("Choose municipalities and themes to follow")),
    CommandInfo("mysubscriptions", N_("What this chat follows")),
    CommandInfo("unsubscribe", N_("Stop following an area or theme")),
    CommandInfo("pause", N_("Pause deliveries (optionally until a date)")),
    CommandInfo("resume", N_("Resume deliveries")),
    CommandInfo("profile", N_("The association profile of a group chat")),
    CommandInfo("directory", N_("Find associations: /directory Joensuu health")),
    CommandInfo("propose", N_("Propose an event for your association")),
    CommandInfo("volunteer", N_("Your volunteer profile: which calls for volunteers reach you")),
    CommandInfo("myvolunteering", N_("Your volunteer shifts and hours, with a certificate")),
    CommandInfo("events", N_("Upcoming events in your subscriptions")),
    CommandInfo("event", N_("Show one event: /event 12")),
    CommandInfo("grants", N_("Open grant calls by deadline: /grants Joensuu")),
    CommandInfo("vuosikello", N_("The year's events by month, with a calendar file")),
    CommandInfo("language", N_("Change the language")),
    CommandInfo("settings", N_("Quiet hours and the weekly digest of this chat")),
    CommandInfo("contact", N_("Contact people of a place: /contact Joensuu")),
    CommandInfo("privacy", N_("What I store about you, and for how long")),
    CommandInfo("mydata", N_("A file with everything I store about you")),
    CommandInfo("forget", N_("Delete your data")),
    # Everyone: it also stops a feedback comment or a typed poll answer being written.
    CommandInfo("cancel", N_("Stop what you are preparing")),
    CommandInfo("sublink", N_("Subscription link for posters and newsletters"), "coordinator"),
    CommandInfo("announce", N_("Send an announcement to an audience"), "coordinator"),
    CommandInfo("announcements", N_("Your announcements, with cancel buttons"), "coordinator"),
    CommandInfo("newevent", N_("Create and publish an event"), "coordinator"),
    CommandInfo("newgrant", N_("Publish a grant call with deadline reminders"), "coordinator"),
    CommandInfo(
        "editgrant", N_("Change a grant call's deadline: /editgrant 12 15.1.2027"), "coordinator"
    ),
    CommandInfo("newcall", N_("Post a call for volunteers with shifts"), "coordinator"),
    CommandInfo("mycalls", N_("Your volunteer calls: sign-ups, attendance, CSV"), "coordinator"),
    CommandInfo("call", N_("One volunteer call's view: /call 12"), "coordinator"),
    CommandInfo("myevents", N_("Your events, with answers and tools"), "coordinator"),
    CommandInfo("proposals", N_("Event proposals waiting for your decision"), "coordinator"),
    CommandInfo("feedback", N_("Feedback results of an event: /feedback 12"), "coordinator"),
    CommandInfo("poll", N_("Ask an audience a question or a short survey"), "coordinator"),
    CommandInfo("polls", N_("Your polls, with their results"), "coordinator"),
    CommandInfo(
        "hidelisting", N_("Hide a directory listing: /hidelisting 12 reason"), "coordinator"
    ),
    CommandInfo(
        "contactme", N_("List yourself as a contact person: /contactme TITLE"), "coordinator"
    ),
    CommandInfo("coordinators", N_("Coordinators, with revoke buttons"), "admin"),
    CommandInfo("coordinatorlink", N_("A one-time link that appoints a coordinator"), "admin"),
    CommandInfo("stats", N_("Subscribers, events, answer and feedback rates"), "admin"),
    CommandInfo("report", N_("Year-end participation report: /report 2026"), "admin"),
)


def commands_for(role: Role) -> list[CommandInfo]:
    return [c for c in COMMANDS if _RANK[c.role] <= _RANK[role]]


def _listing(texts: Texts, role: Role) -> list[BotCommand]:
    return [BotCommand(c.name, texts._(c.description)) for c in commands_for(role)]


@dataclass(frozen=True, slots=True)
class CommandList:
    """One setMyCommands call: a list, for whom (an admin's chat or everyone) and in which
    language (None: clients whose language is none of ours)."""

    commands: tuple[BotCommand, ...]
    language: str | None
    admin: int | None = None

    @property
    def scope(self) -> BotCommandScope:
        return BotCommandScopeDefault() if self.admin is None else BotCommandScopeChat(self.admin)


def command_lists(translator: Translator, admins: frozenset[int]) -> list[CommandList]:
    """For every language, for everyone and (with their extra commands) for each admin."""
    lists: list[CommandList] = []
    for texts in translator.all():
        lists.append(CommandList(tuple(_listing(texts, "participant")), texts.language))
        for admin in sorted(admins):
            lists.append(CommandList(tuple(_listing(texts, "admin")), texts.language, admin))
    # Clients whose language is none of ours get the default language's list.
    lists.append(CommandList(tuple(_listing(translator.texts(None), "participant")), None))
    return lists


class CommandPublisher:
    """Publishes the lists one by one and remembers which are done: after a failure (Telegram
    having a bad minute) the next try sends only the rest."""

    def __init__(self, bot: Bot, lists: list[CommandList]) -> None:
        self._bot = bot
        self._pending = list(lists)

    @property
    def done(self) -> bool:
        return not self._pending

    async def publish(self) -> None:
        while self._pending:
            item = self._pending[0]
            try:
                await self._bot.set_my_commands(
                    list(item.commands), scope=item.scope, language_code=item.language
                )
            except BadRequest as exc:
                # Telegram knows an admin's chat only after they opened it; the next start-up
                # publishes their list. Any other refusal would be refused again: not retried.
                if item.admin is None:
                    log.warning(
                        "command list (language %s) refused by Telegram: %s", item.language, exc
                    )
            self._pending.pop(0)


async def publish_commands(bot: Bot, translator: Translator, admins: frozenset[int]) -> None:
    """setMyCommands for every language, for everyone and (with their extra commands) for admins."""
    await CommandPublisher(bot, command_lists(translator, admins)).publish()
