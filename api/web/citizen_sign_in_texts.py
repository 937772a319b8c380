"""Texts of the citizen's sign-in: the public pages, the staff's "send a sign-in link" form,
the link message itself and the refusal reasons, Danish and English (merged into labels.TEXTS
and reason_texts.REASONS). Plain words: the citizen reads them on a phone."""

from __future__ import annotations

# key -> (Danish, English)
CITIZEN_SIGN_IN_TEXTS: dict[str, tuple[str, str]] = {
    # --- asking for a link (/my) --------------------------------------------------------------
    "my.title": ("Log ind på Min bro", "Sign in to My bridge"),
    "my.intro": (
        "Skriv det mobilnummer eller den e-mailadresse, du gav afdelingen. Vi sender et link "
        "og en kode, som du kan logge ind med. Du skal ikke have en adgangskode.",
        "Write the mobile number or e-mail address you gave the ward. We send you a link and "
        "a code to sign in with. You do not need a password.",
    ),
    "my.contact": ("Mobilnummer eller e-mailadresse", "Mobile number or e-mail address"),
    "my.contact.hint": (
        "For eksempel 12 34 56 78 eller navn@example.dk",
        "For example 12 34 56 78 or name@example.dk",
    ),
    "my.ask.submit": ("Send mig et link", "Send me a link"),
    "my.sent": (
        "Hvis oplysningerne passer med dem, afdelingen har, har vi nu sendt et link og en kode "
        "til dig. Linket virker én gang og i 15 minutter.",
        "If the details match what the ward has, we have sent you a link and a code. The link "
        "works once, for 15 minutes.",
    ),
    "my.sent.none": (
        "Har du ikke fået noget inden for et par minutter, så spørg afdelingen eller din "
        "peer-medarbejder, om de har dit rigtige nummer eller din rigtige adresse.",
        "If nothing arrives within a few minutes, ask the ward or your peer guide whether "
        "they have your right number or address.",
    ),
    "my.have_code": ("Har du fået en kode?", "Have you got a code?"),
    # --- the code (/my/code) ------------------------------------------------------------------
    "my.code.title": ("Log ind med din kode", "Sign in with your code"),
    "my.code.intro": (
        "Skriv det nummer eller den adresse, du fik beskeden på, og de 6 cifre fra beskeden.",
        "Write the number or address the message came to, and the 6 digits from the message.",
    ),
    "my.code": ("Kode (6 cifre)", "Code (6 digits)"),
    "my.code.submit": ("Log ind", "Sign in"),
    "my.ask_again": ("Bed om et nyt link", "Ask for a new link"),
    # --- the link (/my/sign-in/<secret>) ------------------------------------------------------
    "my.link.title": ("Log ind på Min bro", "Sign in to My bridge"),
    "my.link.intro": (
        "Tryk på knappen for at logge ind. Linket virker kun én gang.",
        "Press the button to sign in. The link works only once.",
    ),
    "my.link.submit": ("Log ind", "Sign in"),
    "my.link.refused": ("Linket virker ikke", "The link does not work"),
    "my.link.used": (
        "Linket er allerede brugt. Et link virker kun én gang. Bed om et nyt link.",
        "The link has already been used. A link works only once. Ask for a new link.",
    ),
    "my.link.expired": (
        "Linket er udløbet. Et link virker i 15 minutter. Bed om et nyt link.",
        "The link has expired. A link works for 15 minutes. Ask for a new link.",
    ),
    "my.link.unknown": (
        "Vi kender ikke dette link. Tjek, at hele linket kom med, eller bed om et nyt link.",
        "We do not know this link. Check that the whole link came through, or ask for a new link.",
    ),
    # --- signed in (/my/bridge and the header of the citizen's pages) -------------------------
    "my.bridge.title": ("Min bro", "My bridge"),
    "my.signed_in": ("Du er logget ind.", "You are signed in."),
    "my.nav": ("Min bro", "My bridge"),
    "my.sign_out": ("Log ud", "Sign out"),
    "notice.signed_out": ("Du er logget ud.", "You have signed out."),
    # --- the staff's form on the episode page -------------------------------------------------
    "citizen_link.title": ("Borgerens adgang", "The citizen's access"),
    "citizen_link.help": (
        "Send borgeren et link og en kode til at logge ind på Min bro. Det går kun til det "
        "mobilnummer eller den e-mailadresse, forløbet har. Linket virker én gang i 15 minutter.",
        "Send the citizen a link and a code to sign in to My bridge. It goes only to the mobile "
        "number or e-mail address the episode holds. The link works once, for 15 minutes.",
    ),
    "citizen_link.channel": ("Send med", "Send by"),
    "citizen_link.channel.auto": (
        "E-mail, hvis forløbet har en adresse, ellers SMS",
        "E-mail if the episode has an address, otherwise SMS",
    ),
    "citizen_link.channel.email": ("E-mail", "E-mail"),
    "citizen_link.channel.sms": ("SMS", "SMS"),
    "citizen_link.submit": (
        "Send et login-link til borgeren",
        "Send a sign-in link to the citizen",
    ),
    "notice.citizen_link_sent": (
        "Linket er sendt til borgeren.",
        "The sign-in link has been sent to the citizen.",
    ),
    "field.channel": ("Send med", "Send by"),
    "field.contact": ("Mobilnummer eller e-mailadresse", "Mobile number or e-mail address"),
    "field.code": ("Kode", "Code"),
    # --- the message with the link ------------------------------------------------------------
    "citizen_link.message.subject": (
        "Log ind på Hverdagsbro",
        "Sign in to Hverdagsbro",
    ),
    "citizen_link.message.body": (
        "Hej\n\nHer er dit link til at logge ind på Min bro i Hverdagsbro. Det virker én gang "
        "og indtil kl. {until}:\n\n{url}\n\nDu kan også skrive denne kode på siden: {code}\n\n"
        "Har du ikke bedt om et link, kan du se bort fra beskeden.",
        "Hello\n\nHere is your link to sign in to My bridge in Hverdagsbro. It works once, "
        "until {until}:\n\n{url}\n\nYou can also type this code on the page: {code}\n\n"
        "If you did not ask for a link, you can ignore this message.",
    ),
    "citizen_link.message.sms": (
        "Hverdagsbro: log ind på Min bro: {url} eller skriv koden {code}. Virker til kl. {until}.",
        "Hverdagsbro: sign in to My bridge: {url} or type the code {code}. Works until {until}.",
    ),
}

# English reason (as produced) -> (Danish, English)
CITIZEN_SIGN_IN_REASONS: dict[str, tuple[str, str]] = {
    "sign in first": ("log ind først", "sign in first"),
    "write your mobile number (8 digits) or your e-mail address": (
        "skriv dit mobilnummer (8 cifre) eller din e-mailadresse",
        "write your mobile number (8 digits) or your e-mail address",
    ),
    "write the 6 digits of the code from the message": (
        "skriv de 6 cifre i koden fra beskeden",
        "write the 6 digits of the code from the message",
    ),
    "the code is wrong or no longer works; ask for a new link": (
        "koden er forkert eller virker ikke længere; bed om et nyt link",
        "the code is wrong or no longer works; ask for a new link",
    ),
    "too many tries from here; wait a while and try again": (
        "for mange forsøg herfra; vent lidt, og prøv igen",
        "too many tries from here; wait a while and try again",
    ),
    "the episode has no e-mail address or mobile number for the citizen": (
        "forløbet har ingen e-mailadresse eller mobilnummer på borgeren",
        "the episode has no e-mail address or mobile number for the citizen",
    ),
    "the episode has no e-mail address for the citizen": (
        "forløbet har ingen e-mailadresse på borgeren",
        "the episode has no e-mail address for the citizen",
    ),
    "the episode has no mobile number for the citizen": (
        "forløbet har intet mobilnummer på borgeren",
        "the episode has no mobile number for the citizen",
    ),
    "no SMS gateway is set up; send the link by e-mail": (
        "der er ikke sat en SMS-tjeneste op; send linket med e-mail",
        "no SMS gateway is set up; send the link by e-mail",
    ),
    "choose e-mail, SMS or the one the episode has": (
        "vælg e-mail, SMS eller den, forløbet har",
        "choose e-mail, SMS or the one the episode has",
    ),
    "3 sign-in links went to this address in the last 15 minutes; wait and try again": (
        "der er sendt 3 login-links til denne adresse de sidste 15 minutter; vent, og prøv igen",
        "3 sign-in links went to this address in the last 15 minutes; wait and try again",
    ),
    "the message could not be sent just now; try again in a moment": (
        "beskeden kunne ikke sendes lige nu; prøv igen om lidt",
        "the message could not be sent just now; try again in a moment",
    ),
    "this role does not send sign-in links": (
        "denne rolle sender ikke login-links",
        "this role does not send sign-in links",
    ),
}
