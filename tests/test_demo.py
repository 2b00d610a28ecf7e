"""`python -m bot demo` runs the whole scripted loop and exits 0."""

from __future__ import annotations

import pytest

from bot.demo.script import run_demo


async def test_demo_transcript(capsys: pytest.CaptureFixture[str]) -> None:
    assert await run_demo() == 0
    out = capsys.readouterr().out
    assert "── Liisa in Liisa's chat: /start" in out
    assert "Tervetuloa Järjestöbottiin!" in out
    assert "[Suomi]  [Svenska]  [English]" in out
    assert "✅ Tilattu: Joensuu" in out
    assert "Vain ryhmän ylläpitäjät voivat muuttaa sen asetuksia." in out
    assert "an event in Joensuu on health would reach 1 chat(s)" in out
    assert "Tiedote 1 toimitettu." in out
    assert "Estänyt botin tai poistunut: 6" in out
    assert "announcement-1-failures.csv" in out
    assert "You are now a coordinator for Joensuu." in out
    assert "Published as event 1: the invitation goes to" in out
    assert "[🏠 Yhdistyksemme puolesta]" in out or "[🏠 For our association]" in out
    assert "Joensuun Sydänyhdistys: 3" in out
    assert "Aino (+2) — Joensuun Sydänyhdistys" in out
    # The clock jumps: reminders, Liisa's own quiet hours holding hers, then feedback.
    reminders = out.split("━━ 9. Time passes")[1].split("━━ 10.")[0]
    # 1 day before: Liisa and the group; 2 hours before: the group, and Liisa after her quiet hours.
    assert reminders.count("⏰ Muistutus") == 4
    held = reminders.split("jumps to Tue 01.12.2026 15:30")[1].split(
        "jumps to Tue 01.12.2026 17:00"
    )
    assert "Liisa's chat" not in held[0] and "bot → Liisa's chat" in held[1]
    assert "📝 Kuinka hyödyllinen tilaisuus Järjestöfoorumi" in out
    assert "Answers: 1 of 2 asked (50%)" in out
    # One question to the people of the forum: a native poll for Liisa, buttons in the group.
    assert "📊 Poll 1 is on its way to 2 chats." in out
    assert "Answered: 2 of 2 chats asked (100%)" in out
    assert "• Tuesday 8.12.: 50 %" in out
    # Who does what: a group publishes, a listing without a group is approved, Liisa searches.
    directory = out.split("━━ Directory: the heart association")[1].split("━━ Privacy")[0]
    assert "🌍 Julkaistu! Yhdistyksenne näkyy nyt hakemistossa /directory" in directory
    assert "📋 Listing 3 waits for your approval" in directory  # 2: the village group's profile
    assert "✅ A coordinator approved “Joensuun Lukupiiri”" in directory
    found = "1. Joensuun Lukupiiri — Joensuu · Kulttuuri\n      │ 2. Joensuun Sydänyhdistys"
    assert found in directory
    assert "🗣 Toimintakielet: suomi, englanti" in directory
    assert "🔎 arabia\n      │ 1 yhdistys löytyi" in directory
    contact = out.split("━━ Contact people")[1].split("━━ Privacy")[0]
    assert "• Joensuun kaupungin järjestöyhdyshenkilö — Kaisa (✉️ painike alla)" in contact
    assert "Hei! Voiko yhdistyksemme esitellä toimintaansa foorumissa?" in contact
    assert "↩️ Vastaus henkilöltä Kaisa:" in contact
    # Forums: a village group proposes, Kaisa sees the clash and approves, sessions are picked.
    forums = out.split("━━ Forums: the village association")[1].split("━━ 9. Time passes")[0]
    assert "⚠️ Muita tilaisuuksia, jotka voivat mennä päällekkäin" in forums  # Pekka's preview
    decided = forums.split("━━ Forums: Kaisa gets the proposal")[1].split("━━ Forums: two")[0]
    assert "📨 Proposal 1: “Rääkkylän kyläyhdistys” proposes an event." in decided
    assert "⚠️ Other events that may clash (you can still publish):" in decided
    assert "Järjestöfoorumi: hyvinvointia yhdessä — /event 1 (same municipality" in decided
    assert "✅ Approved and published as event 2." in decided
    assert "✅ Yhdistyksen ehdotus ”Yhdistysilta: kylät ja kaupunki” hyväksyttiin" in decided
    assert "🤝 Yhteistyössä: Rääkkylän kyläyhdistys" in decided
    picked = forums.split("━━ Forums: two breakout sessions")[1]
    assert "✅ Saved: 2 sessions." in picked
    assert "Vastauksesi: ✅ tulen, sessio Kylien palvelut" in picked
    assert "Vastauksesi: ✅ tulen, sessio Vapaaehtoisten haku" in picked
    assert "🧩 Kylien palvelut: 1/15 · Vapaaehtoisten haku: 1/15" in picked
    grant = out.split("━━ Grants")[1].split("━━ Privacy")[0]
    assert "💶 Grant call 1 published; it goes to 296 chats." in grant
    assert "🔔 Muistutan sinua ennen määräaikaa." in grant
    assert "hakuaika päättyy 14 päivän päästä, to 17.12.2026 klo 16.00." in grant
    # Volunteering: a call with two shifts, a waiting list and a promotion, check-in, thanks.
    shifts = out.split("━━ Volunteering")[1].split("━━ Privacy")[0]
    assert "Reminders: 1 day before each shift" in shifts
    assert "⏳ Passet lör 5.12. 10.00–12.00 är fullt: du är nummer 1 på väntelistan." in shifts
    assert "🎉 En plats blev ledig: passet lör 5.12. 10.00–12.00" in shifts
    assert "📍 Olet paikalla vuorossa la 5.12. 10.00–12.00: sinulle kirjataan 2 h." in shifts
    assert "[✅ Sara Lind]  [⏱ 2 h]" in shifts  # Kaisa marked her in the call's view
    thanks = shifts.split("An hour after the shift")[1]
    assert "Kirjatut tunnit: 2 h. Tänä vuonna tunteja on yhteensä 2 h." in thanks
    assert "Registrerade timmar: 2 h." in thanks
    assert "Yhteensä 2 h, 1 vuoro." in thanks and "📎 todistus-2026.pdf" in thanks
    # /mydata and /forget: her answer stays counted without her name.
    assert "jarjestobotti-mydata-2026-12-05.json" in out  # after the volunteer shift's day
    assert "stored about Liisa afterwards: nothing" in out
    assert "Traceback" not in out
    assert out.rstrip().endswith("Demo finished.")
