"""python-telegram-bot's own Bot works against the sandbox, unmodified, for every method the bot
uses; what it gets back are real Telegram objects and the sandbox records what users would see."""

from __future__ import annotations

import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MenuButtonCommands,
    MenuButtonWebApp,
    ReplyParameters,
    WebAppInfo,
)
from telegram.error import BadRequest

from bot.sandbox import Sandbox


async def test_get_me(bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (42, "jarjestobotti_bot", True)


async def test_send_edit_and_delete_a_message(sb: Sandbox, bot: Bot) -> None:
    liisa = sb.add_user("Liisa")
    chat = sb.private_chat(liisa)
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("Kyllä", callback_data="rsvp:1:y")],
            [InlineKeyboardButton("Ohjelma", url="https://example.fi/ohjelma")],
        ]
    )
    sent = await bot.send_message(
        chat.id, "<b>Kutsu</b> foorumiin &amp; iltaan", parse_mode="HTML", reply_markup=keyboard
    )
    assert sent.text == "Kutsu foorumiin & iltaan"
    assert sent.from_user is not None and sent.from_user.id == bot.id
    assert sent.entities[0].type == "bold"
    assert sent.reply_markup == keyboard
    stored = sb.last_message(chat)
    assert stored is not None
    assert stored.raw_text == "<b>Kutsu</b> foorumiin &amp; iltaan"
    assert stored.entities == [{"type": "bold", "offset": 0, "length": 5}]
    assert stored.keyboard == [[("Kyllä", "rsvp:1:y")], [("Ohjelma", "https://example.fi/ohjelma")]]
    assert stored.buttons == ["Kyllä", "Ohjelma"]

    edited = await bot.edit_message_text(
        "Päivitetty", chat_id=chat.id, message_id=sent.message_id, reply_markup=keyboard
    )
    assert not isinstance(edited, bool) and edited.text == "Päivitetty"
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text(
            "Päivitetty", chat_id=chat.id, message_id=sent.message_id, reply_markup=keyboard
        )
    # Leaving reply_markup out of an edit removes the keyboard, as in Telegram.
    await bot.edit_message_text("Päivitetty", chat_id=chat.id, message_id=sent.message_id)
    assert sb.messages(chat)[0].buttons == []
    assert sb.messages(chat)[0].edit_count == 2
    await bot.edit_message_reply_markup(chat.id, sent.message_id, reply_markup=keyboard)
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(chat.id, sent.message_id, reply_markup=keyboard)

    assert await bot.delete_message(chat.id, sent.message_id)
    assert sb.messages(chat) == []
    assert sb.messages(chat, include_deleted=True)[0].deleted
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", chat_id=chat.id, message_id=sent.message_id)
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(chat.id, sent.message_id)
    await bot.send_chat_action(chat.id, "typing")


async def test_user_messages_cannot_be_edited_and_replies_need_a_target(
    sb: Sandbox, bot: Bot
) -> None:
    liisa = sb.add_user("Liisa")
    chat = sb.private_chat(liisa)
    update = sb.send_message(chat, liisa, "hei")
    user_message_id = update["message"]["message_id"]
    with pytest.raises(BadRequest, match="Message can't be edited"):
        await bot.edit_message_text("x", chat_id=chat.id, message_id=user_message_id)
    reply = await bot.send_message(
        chat.id, "vastaus", reply_parameters=ReplyParameters(user_message_id)
    )
    assert reply.reply_to_message is not None
    assert reply.reply_to_message.text == "hei"
    with pytest.raises(BadRequest, match="Message to be replied not found"):
        await bot.send_message(chat.id, "x", reply_parameters=ReplyParameters(999))
    assert reply.message_id == user_message_id + 1  # ids count both sides of the chat


async def test_callback_queries_are_answered_once(sb: Sandbox, bot: Bot) -> None:
    liisa = sb.add_user("Liisa")
    chat = sb.private_chat(liisa)
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Suomi", callback_data="lang:fi")]])
    await bot.send_message(chat.id, "Kieli?", reply_markup=keyboard)
    update = sb.press(chat, liisa, "Suomi")
    query = update["callback_query"]
    assert query["data"] == "lang:fi"
    assert query["message"]["reply_markup"]["inline_keyboard"][0][0]["text"] == "Suomi"
    assert sb.unanswered_queries() == [query["id"]]
    assert await bot.answer_callback_query(query["id"], "Valittu", show_alert=True)
    [answer] = sb.callback_answers
    assert (answer.user_id, answer.text, answer.show_alert, answer.data) == (
        liisa.id,
        "Valittu",
        True,
        "lang:fi",
    )
    assert sb.queries[query["id"]].answer == answer
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(query["id"])


async def test_documents_photos_and_downloads(sb: Sandbox, bot: Bot) -> None:
    chat = sb.private_chat(sb.add_user("Liisa"))
    document = await bot.send_document(
        chat.id,
        b"nimi;kunta\n",
        filename="osallistujat.csv",
        caption="<i>Lista</i>",
        parse_mode="HTML",
    )
    assert document.document is not None
    assert document.document.file_name == "osallistujat.csv"
    assert document.caption == "Lista"
    assert document.caption_entities[0].type == "italic"
    file = await bot.get_file(document.document.file_id)
    assert await file.download_as_bytearray() == bytearray(b"nimi;kunta\n")
    again = await bot.send_document(chat.id, document.document.file_id)  # re-send by file_id
    assert again.document is not None
    assert again.document.file_id == document.document.file_id
    by_url = await bot.send_document(chat.id, "https://example.fi/ohjelma.pdf")
    assert by_url.document is not None and by_url.document.file_name == "ohjelma.pdf"
    photo = await bot.send_photo(chat.id, b"\x89PNG fake", caption="Kaavio")
    assert photo.photo and photo.caption == "Kaavio"
    stored = sb.messages(chat)
    assert stored[0].document is not None and stored[0].document.data == b"nimi;kunta\n"
    assert stored[3].photo is not None and stored[3].photo.data == b"\x89PNG fake"
    edited = await bot.edit_message_caption(chat.id, photo.message_id, caption="Uusi")
    assert not isinstance(edited, bool) and edited.caption == "Uusi"
    with pytest.raises(BadRequest, match="Wrong file identifier"):
        await bot.send_document(chat.id, "no-such-file")
    with pytest.raises(BadRequest, match="There is no text in the message to edit"):
        await bot.edit_message_text("x", chat_id=chat.id, message_id=photo.message_id)


async def test_polls(sb: Sandbox, bot: Bot) -> None:
    liisa, eino = sb.add_user("Liisa"), sb.add_user("Eino")
    chat = sb.private_chat(liisa)
    sent = await bot.send_poll(chat.id, "Mikä ilta sopii?", ["ti", "ke", "to"], is_anonymous=False)
    assert sent.poll is not None
    update = sb.answer_poll(liisa, sent.poll.id, [1])
    assert update["poll_answer"]["option_ids"] == [1]
    sb.answer_poll(eino, sent.poll.id, [1])
    stopped = await bot.stop_poll(chat.id, sent.message_id)
    assert stopped.is_closed
    assert [o.voter_count for o in stopped.options] == [0, 2, 0]
    assert stopped.total_voter_count == 2
    with pytest.raises(BadRequest, match="Poll has already been closed"):
        await bot.stop_poll(chat.id, sent.message_id)
    stored = sb.last_message(chat)
    assert stored is not None and stored.poll is not None
    assert (stored.poll.question, stored.poll.closed) == ("Mikä ilta sopii?", True)
    # An anonymous poll tells the bot only the new counts.
    anonymous = await bot.send_poll(chat.id, "Kahvia?", ["kyllä", "ei"])
    assert anonymous.poll is not None
    counts = sb.answer_poll(eino, anonymous.poll.id, [0])
    assert counts["poll"]["options"][0]["voter_count"] == 1


async def test_commands_per_scope_and_language(sb: Sandbox, bot: Bot) -> None:
    group = sb.add_group("Kylä", members=[sb.add_user("Aino")], bot_present=True)
    await bot.set_my_commands([BotCommand("start", "Aloitus")], language_code="fi")
    await bot.set_my_commands([BotCommand("start", "Start")])
    await bot.set_my_commands(
        [BotCommand("stats", "Tilastot")], scope=BotCommandScopeChat(group.id)
    )
    await bot.set_my_commands(
        [BotCommand("subscribe", "Tilaa")], scope=BotCommandScopeAllGroupChats()
    )
    assert [c.description for c in await bot.get_my_commands(language_code="fi")] == ["Aloitus"]
    assert [c.description for c in await bot.get_my_commands()] == ["Start"]
    assert await bot.get_my_commands(language_code="sv") == ()
    chat_scope = await bot.get_my_commands(scope=BotCommandScopeChat(group.id))
    assert [c.command for c in chat_scope] == ["stats"]
    groups = await bot.get_my_commands(scope=BotCommandScopeAllGroupChats())
    assert [c.command for c in groups] == ["subscribe"]
    await bot.delete_my_commands(language_code="fi")
    assert await bot.get_my_commands(language_code="fi") == ()
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Start!", "x")])


async def test_members_administrators_and_chats(sb: Sandbox, bot: Bot) -> None:
    pekka, aino, olli = sb.add_user("Pekka"), sb.add_user("Aino"), sb.add_user("Olli")
    group = sb.add_group("Kylä", members=[aino], admins=[pekka], creator=olli)
    sb.bot_added_to_group(group, pekka, as_admin=True)
    assert (await bot.get_chat_member(group.id, pekka.id)).status == "administrator"
    assert (await bot.get_chat_member(group.id, aino.id)).status == "member"
    assert (await bot.get_chat_member(group.id, olli.id)).status == "creator"
    assert (await bot.get_chat_member(group.id, bot.id)).status == "administrator"
    sb.set_member_status(group, aino, "left")
    assert (await bot.get_chat_member(group.id, aino.id)).status == "left"
    admins = await bot.get_chat_administrators(group.id)
    assert sorted(a.user.id for a in admins) == sorted([pekka.id, olli.id, bot.id])
    info = await bot.get_chat(group.id)
    assert (info.title, info.type) == ("Kylä", "group")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.get_chat(pekka.id)  # Pekka never started a chat with the bot
    private = await bot.get_chat(sb.private_chat(pekka).id)
    assert private.first_name == "Pekka"
    with pytest.raises(BadRequest, match="User not found"):
        await bot.get_chat_member(group.id, 999_999)


async def test_menu_button(sb: Sandbox, bot: Bot) -> None:
    chat = sb.private_chat(sb.add_user("Liisa"))
    assert isinstance(await bot.get_chat_menu_button(chat.id), MenuButtonCommands)
    web_app = MenuButtonWebApp("Avaa", WebAppInfo("https://example.fi/app"))
    await bot.set_chat_menu_button(chat.id, web_app)
    assert await bot.get_chat_menu_button(chat.id) == web_app
    assert isinstance(await bot.get_chat_menu_button(), MenuButtonCommands)
