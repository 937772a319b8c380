"""Texts of the inbox page and its navigation link, in Danish and English (merged into the
page labels). What each notification says comes from the notification catalogue itself."""

from __future__ import annotations

# key -> (Danish, English)
INBOX_TEXTS: dict[str, tuple[str, str]] = {
    "nav.main": ("Hovedmenu", "Main menu"),
    "inbox.title": ("Indbakke", "Inbox"),
    "inbox.nav": ("Indbakke", "Inbox"),
    "inbox.nav_unread": ("Indbakke ({count} ulæste)", "Inbox ({count} unread)"),
    "inbox.summary": (
        "{unread} ulæste af {total} beskeder.",
        "{unread} unread of {total} messages.",
    ),
    "inbox.caption": ("Dine beskeder, nyeste først", "Your messages, newest first"),
    "inbox.when": ("Tidspunkt", "When"),
    "inbox.message": ("Besked", "Message"),
    "inbox.status": ("Status", "Status"),
    "inbox.action": ("Handling", "Action"),
    "inbox.unread": ("Ulæst", "Unread"),
    "inbox.read": ("Læst", "Read"),
    "inbox.open_task": ("Åbn opgaven", "Open the task"),
    "inbox.open_episode": ("Åbn forløbet", "Open the episode"),
    "inbox.open_roster_tasks": ("Åbn opgaverne om peer-medarbejderne", "Open the roster tasks"),
    "inbox.open_groups": ("Åbn grupperne", "Open the groups"),
    "inbox.open_courses": ("Åbn kurserne", "Open the courses"),
    "inbox.open_teaching": ("Åbn din undervisning", "Open your teaching"),
    "inbox.not_yours": ("Ikke længere åben for dig", "No longer open to you"),
    "inbox.mark_read": ("Markér som læst", "Mark as read"),
    "inbox.mark_all_read": ("Markér alle som læst", "Mark all as read"),
    "inbox.empty": ("Du har ingen beskeder.", "You have no messages."),
    "inbox.unknown": ("Der er nyt i hverdagsbro", "There is news in hverdagsbro"),
    "inbox.pages": ("Sider", "Pages"),
    "inbox.newer": ("Nyere beskeder", "Newer messages"),
    "inbox.older": ("Ældre beskeder", "Older messages"),
    "inbox.page_of": ("Side {page} af {pages}", "Page {page} of {pages}"),
    "notice.inbox_read": ("Beskeden er markeret som læst.", "The message is marked as read."),
    "notice.inbox_all_read": (
        "Alle beskeder er markeret som læste.",
        "All messages are marked as read.",
    ),
}
