"""What the citizen and a relative read: plain words in Danish and English, one text message
each (160 characters of the SMS alphabet, link included), and how to stop them."""

from __future__ import annotations

import pytest

from activities.messages import link, render
from schemas.notifications import CITIZEN_TEMPLATES, RELATIVE_TEMPLATES, Template

# A public address as long as the SMS allows (30 characters).
PUBLIC_URL = "https://hverdagsbro.kommune.dk"
# GSM 03.38's basic alphabet: an SMS of these holds 160 characters (any other, 70).
GSM_7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
LONGEST = {
    Template.CITIZEN_MEETING_REMINDER: {"when": "2031-12-24T17:45:00+00:00"},
    Template.CITIZEN_SESSION_REMINDER: {
        "when": "2031-11-26T17:30:00+00:00",
        "title": "Recovery, hope and everyday life in the municipality",
        "title_da": "Recovery, håb og hverdagsliv i kommunen - hold 2",
    },
    Template.CITIZEN_AFTER_DISCHARGE: {"by": "2031-12-31T22:59:00+00:00"},
    Template.RELATIVE_DISCHARGE_DATE: {"date": "2031-12-31"},
    Template.RELATIVE_PEER_ASSIGNED: {"peer_id": "peer-1", "peer_name": "Marie-Louise"},
}


@pytest.mark.parametrize("template", sorted(CITIZEN_TEMPLATES | RELATIVE_TEMPLATES))
def test_each_notice_fits_one_text_message(template: Template) -> None:
    for params in (LONGEST[template], {}):
        message = render(template, link(PUBLIC_URL, "episode-1", None, template), None, params)
        assert len(message.sms) <= 160, message.sms
        assert set(message.sms) <= GSM_7, set(message.sms) - GSM_7


@pytest.mark.parametrize("template", sorted(CITIZEN_TEMPLATES))
def test_a_citizens_message_ends_with_where_to_turn_reminders_off(template: Template) -> None:
    url = link(PUBLIC_URL, "episode-1", "task-1", template)
    message = render(template, url, None, LONGEST[template])
    assert url == f"{PUBLIC_URL}/my/bridge"
    assert message.sms.endswith(f"Stop: {url}")
    assert f"Se din plan eller slå påmindelser fra: {url}" in message.body
    assert f"See your plan or turn reminders off: {url}" in message.body
    assert "Log ind" not in message.body, "no staff login for the citizen"


@pytest.mark.parametrize("template", sorted(RELATIVE_TEMPLATES))
def test_a_relatives_message_says_how_to_stop_them_without_a_link(template: Template) -> None:
    url = link(PUBLIC_URL, "episode-1", None, template)
    message = render(template, url, None, LONGEST[template])
    assert url not in message.body + message.sms, "a relative cannot sign in to My bridge"
    assert "sig det til personalet" in message.body and "tell the staff" in message.body
    assert message.sms.endswith("Stop: sig det til personalet/tell the staff")


def test_times_are_told_in_copenhagen_time_and_a_course_title_is_cut_in_the_sms() -> None:
    session = render(
        Template.CITIZEN_SESSION_REMINDER,
        f"{PUBLIC_URL}/my/bridge",
        None,
        LONGEST[Template.CITIZEN_SESSION_REMINDER],
    )
    assert (
        "Husk kursusgangen Recovery, håb og hverdagsliv i kommunen - hold 2 ons. 26/11 kl. 18.30."
        in session.body
    )
    assert "Reminder: course session Recovery, hope and everyday life in the municipality" in (
        session.body
    )
    assert session.sms.startswith(
        "Husk kursusgangen Recovery, håb og hv... ons. 26/11 kl. 18.30. /"
        " Reminder: course session Wed 26 Nov 18:30. Stop: "
    )
    deadline = render(
        Template.CITIZEN_AFTER_DISCHARGE,
        f"{PUBLIC_URL}/my/bridge",
        None,
        LONGEST[Template.CITIZEN_AFTER_DISCHARGE],
    )
    assert "Din peer kontakter dig senest ons. 31/12." in deadline.body
    assert "Your peer will contact you by Wed 31 Dec." in deadline.body


def test_a_notice_without_its_time_still_reads_as_a_sentence() -> None:
    message = render(Template.CITIZEN_MEETING_REMINDER, f"{PUBLIC_URL}/my/bridge", None, {
        "when": "not a time"
    })  # fmt: skip
    assert message.body.startswith("Husk dit næste møde med din peer.\n")
    peer = render(Template.RELATIVE_PEER_ASSIGNED, f"{PUBLIC_URL}/my/bridge", None, {})
    assert peer.sms.startswith("Din pårørende har fået en peer-medarbejder. /")
