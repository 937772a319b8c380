"""Texts of the sign-in through an identity provider (OpenID Connect): the staff's log-in
page's buttons, the citizen's MitID button on /my, and the pages that say why a sign-in did
not work, Danish and English (merged into labels.TEXTS)."""

from __future__ import annotations

# key -> (Danish, English)
SSO_TEXTS: dict[str, tuple[str, str]] = {
    "sso.or": ("Eller log ind med adgangskode", "Or log in with a password"),
    "sso.providers": ("Log ind gennem din organisation", "Sign in through your organisation"),
    "sso.with": ("Log ind med {name}", "Sign in with {name}"),
    "sso.refused.title": ("Du blev ikke logget ind", "You were not signed in"),
    "sso.try_again": ("Til log ind", "Back to log-in"),
    "sso.unknown_provider": (
        "Den loginudbyder findes ikke eller er slået fra. Vælg en anden på log ind-siden.",
        "That sign-in provider does not exist or is switched off. Choose another on the "
        "log-in page.",
    ),
    "sso.bad_request": (
        "Svaret fra loginudbyderen manglede noget (state eller code). Start forfra.",
        "The answer from the sign-in provider was missing something (state or code). Start again.",
    ),
    "sso.stale": (
        "Login-forsøget er udløbet, er allerede brugt eller blev startet i en anden browser. "
        "Start forfra.",
        "The sign-in attempt has expired, was already used or was started in another browser. "
        "Start again.",
    ),
    "sso.denied": (
        "Loginudbyderen gav ikke adgang (du afbrød, eller den afviste dig). Start forfra, "
        "eller spørg din it-afdeling.",
        "The sign-in provider did not let you in (you cancelled, or it refused). Start again, "
        "or ask your IT department.",
    ),
    "sso.down": (
        "Loginudbyderen svarer ikke lige nu. Prøv igen om lidt, eller log ind med adgangskode, "
        "hvis din organisation tillader det.",
        "The sign-in provider is not answering right now. Try again in a little while, or log "
        "in with a password if your organisation allows it.",
    ),
    "sso.token": (
        "Svaret fra loginudbyderen kunne ikke godkendes (ugyldigt, udløbet eller ikke til "
        "dette system). Du er ikke logget ind. Start forfra.",
        "The answer from the sign-in provider could not be accepted (invalid, expired or not "
        "meant for this system). You are not signed in. Start again.",
    ),
    "sso.no_role": (
        "Din organisation har ikke givet dig en rolle i Hverdagsbro. Spørg den, der "
        "administrerer adgang hos jer.",
        "Your organisation has not given you a role in Hverdagsbro. Ask whoever manages "
        "access where you work.",
    ),
    "login.password_off": (
        "Din organisation bruger ikke adgangskoder. Log ind gennem din organisation med "
        "knappen herunder.",
        "Your organisation does not use passwords. Sign in through your organisation with the "
        "button below.",
    ),
    # --- the citizen's MitID (a broker) on /my ----------------------------------------------
    "my.mitid.title": ("Log ind med MitID", "Sign in with MitID"),
    "my.mitid.or": ("Eller få et link", "Or get a link"),
    "mitid.bad_cpr": (
        "MitID-tjenesten sendte ikke et CPR-nummer, vi kan bruge. Du er ikke logget ind. Prøv "
        "igen, eller bed om et link herunder.",
        "The MitID service did not send a CPR number we can use. You are not signed in. Try "
        "again, or ask for a link instead.",
    ),
    "notice.mitid_none": (
        "Vi kunne ikke logge dig ind på Min bro med MitID. Er du i et forløb med en afdeling, "
        "så bed om et link herunder, eller spørg afdelingen eller din peer-medarbejder.",
        "We could not sign you in to My bridge with MitID. If you are in a plan with a ward, "
        "ask for a link below, or ask the ward or your peer guide.",
    ),
}
