"""Texts of the citizen's "my consent, my data" pages (/my/consent, /my/reads, /my/data),
Danish and English, merged into labels.TEXTS: what each consent shares with whom, the
audit log's lines in words, and the download. Plain words: the citizen reads them on a
phone."""

from __future__ import annotations

# key -> (Danish, English)
MY_DATA_TEXTS: dict[str, tuple[str, str]] = {
    # --- /my/consent ------------------------------------------------------------------------
    "myconsent.title": ("Mit samtykke", "My consent"),
    "myconsent.intro": (
        "Her kan du se, hvad du har sagt ja til at dele, og med hvem. Du kan trække et "
        "samtykke tilbage her. Det gælder med det samme.",
        "Here you can see what you have agreed to share, and with whom. You can withdraw a "
        "consent here. It takes effect at once.",
    ),
    "myconsent.bridge": ("{programme} fra {ward}", "{programme} from {ward}"),
    "myconsent.ended": (
        "Dette forløb er afsluttet. Der deles ikke mere herfra.",
        "This bridge has ended. Nothing more is shared from it.",
    ),
    "myconsent.none": (
        "Du har ikke givet samtykke til at dele noget i dette forløb.",
        "You have not agreed to share anything in this bridge.",
    ),
    "myconsent.no_episodes": ("Du har ingen forløb.", "You have no bridges."),
    "myconsent.given": ("Du har sagt ja til:", "You have agreed to:"),
    "myconsent.withdraw": ("Træk tilbage", "Withdraw"),
    "myconsent.withdraw_named": ("Træk tilbage: {scope}", "Withdraw: {scope}"),
    "myconsent.who.peer_support": (
        "Din peer-medarbejder og koordinatoren hos {organisation} ser dit forløb, dine mål "
        "og hvordan de kan kontakte dig, så de kan støtte dig.",
        "Your peer guide and the coordinator at {organisation} see your bridge, your goals "
        "and how to reach you, so they can support you.",
    ),
    "myconsent.who.share_with_municipality": (
        "Sagsbehandlere i socialforvaltningen i {municipality} ser dit forløb og dine mål "
        "om kommunale tilbud, og får besked om din udskrivning.",
        "Caseworkers in social services in {municipality} see your bridge and your goals "
        "about municipal services, and are told about your discharge.",
    ),
    "myconsent.who.share_with_jobcenter": (
        "Jobcenteret i {municipality} ser dit forløb og dine mål om job.",
        "The job centre in {municipality} sees your bridge and your goals about work.",
    ),
    "myconsent.who.share_with_education": (
        "Uddannelsesvejledningen i {municipality} ser dit forløb og dine mål om uddannelse.",
        "Education guidance in {municipality} sees your bridge and your goals about education.",
    ),
    "myconsent.who.share_with_relative": (
        "Den pårørende, du har givet os, får korte beskeder om din udskrivning og om, hvem "
        "din peer-medarbejder er.",
        "The relative you gave us gets short messages about your discharge and who your "
        "peer guide is.",
    ),
    "myconsent.confirm.title": ("Vil du trække dit samtykke tilbage?", "Withdraw your consent?"),
    "myconsent.confirm.what": ("Du trækker tilbage: {scope}", "You are withdrawing: {scope}"),
    "myconsent.confirm.effect": (
        "Det gælder med det samme: de får ikke længere adgang, og der deles ikke mere med "
        "dem. Det, de allerede har fået, kan vi ikke hente tilbage.",
        "It takes effect at once: they lose access and nothing more is shared with them. "
        "What they have already been given cannot be taken back.",
    ),
    "myconsent.confirm.peer_support": (
        "Samtykket til peer-støtte er selve forløbet. Trækker du det tilbage, slutter dit "
        "forløb nu, og din peer-medarbejder kontakter dig ikke mere.",
        "Consent to peer support is the bridge itself. If you withdraw it, your bridge ends "
        "now and your peer guide will not contact you any more.",
    ),
    "myconsent.confirm.again": (
        "Du kan altid give samtykke igen ved at tale med afdelingen eller din peer-medarbejder.",
        "You can always give consent again by talking to the ward or your peer guide.",
    ),
    "myconsent.confirm.yes": ("Ja, træk samtykket tilbage", "Yes, withdraw my consent"),
    "myconsent.confirm.no": ("Nej, gå tilbage", "No, go back"),
    "myconsent.refused": (
        "Samtykket blev ikke trukket tilbage. Intet er ændret.",
        "The consent was not withdrawn. Nothing has been changed.",
    ),
    "myconsent.scope_unknown": (
        "vælg et af de samtykker, der står på siden",
        "choose one of the consents shown on the page",
    ),
    "myconsent.scope_not_given": (
        "du har ikke givet dette samtykke i dette forløb, så der er intet at trække tilbage",
        "you have not given this consent in this bridge, so there is nothing to withdraw",
    ),
    "myconsent.episode_ended": (
        "forløbet er afsluttet, så der deles ikke mere",
        "the bridge has ended, so nothing more is shared",
    ),
    "notice.my_consent_withdrawn": (
        "Dit samtykke er trukket tilbage. Det gælder fra nu.",
        "Your consent has been withdrawn. It applies from now.",
    ),
    "notice.my_bridge_ended": (
        "Dit samtykke til peer-støtte er trukket tilbage, og dit forløb er afsluttet.",
        "Your consent to peer support has been withdrawn and your bridge has ended.",
    ),
    # --- /my/reads ----------------------------------------------------------------------------
    "myreads.title": ("Hvem har læst mine oplysninger", "Who has read my record"),
    "myreads.intro": (
        "Hver gang nogen ser eller ændrer dine oplysninger, bliver det skrevet ned. Her er "
        "listen, den nyeste først. Vi viser personens rolle og arbejdssted. Vil du vide "
        "præcis hvem, kan du spørge arbejdsstedet: de kan se det i loggen.",
        "Every time someone looks at or changes your record, it is written down. Here is "
        "the list, newest first. We show the person's role and workplace. If you want to "
        "know exactly who, ask that workplace: they can see it in the log.",
    ),
    "myreads.none": ("Ingen har læst dine oplysninger endnu.", "Nobody has read your record yet."),
    "myreads.line": ("{who} fra {place} {did} den {when}.", "{who} at {place} {did} on {when}."),
    "myreads.line.no_place": ("{who} {did} den {when}.", "{who} {did} on {when}."),
    "myreads.newer": ("Nyere", "Newer"),
    "myreads.older": ("Ældre", "Older"),
    "myreads.pages": ("Sider", "Pages"),
    "myreads.page": ("Side {page}", "Page {page}"),
    "myreads.bad_page": (
        "skriv sidens nummer som et helt tal fra 1 til {last}",
        "write the page number as a whole number from 1 to {last}",
    ),
    "myreads.who.ward": ("En medarbejder på afdelingen", "A member of ward staff"),
    "myreads.who.peer": ("En peer-medarbejder", "A peer guide"),
    "myreads.who.coordinator": ("En koordinator", "A coordinator"),
    "myreads.who.caseworker": ("En sagsbehandler", "A caseworker"),
    "myreads.who.caseworker.social_services": (
        "En sagsbehandler i socialforvaltningen",
        "A social services caseworker",
    ),
    "myreads.who.caseworker.jobcenter": ("En medarbejder i jobcenteret", "A job centre worker"),
    "myreads.who.caseworker.education": (
        "En uddannelsesvejleder",
        "An education guidance worker",
    ),
    "myreads.who.operator": (
        "En driftsmedarbejder hos Hverdagsbro",
        "A member of Hverdagsbro's operations staff",
    ),
    "myreads.who.relative": ("Din pårørende", "Your relative"),
    "myreads.who.other": ("En medarbejder", "A member of staff"),
    "myreads.did.read": ("så dine oplysninger", "looked at your record"),
    "myreads.did.changed": ("ændrede dine oplysninger", "changed your record"),
    "myreads.did.read.citizen": (
        "så dit navn og hvordan du kan kontaktes",
        "saw your name and how to reach you",
    ),
    "myreads.did.read.notes": ("læste noterne om dig", "read the notes about you"),
    "myreads.did.read.goals": ("læste dine mål", "read your goals"),
    "myreads.did.read.relatives": ("så dine pårørende", "saw your relatives"),
    "myreads.did.read.closing_summary": (
        "læste afslutningen af dit forløb",
        "read the closing summary of your bridge",
    ),
    "myreads.did.read.medcom_replies": (
        "læste kommunens svar om dig",
        "read the municipality's replies about you",
    ),
    "myreads.did.codec.decode": (
        "åbnede de krypterede data om dit forløb for at rette en fejl",
        "opened the encrypted data of your bridge to fix a problem",
    ),
    "myreads.did.episode.referred": ("henviste dig til forløbet", "referred you to the bridge"),
    "myreads.did.episode.handed_over": (
        "gav dit forløb videre til en anden peer-medarbejder",
        "handed your bridge to another peer guide",
    ),
    "myreads.did.event.consent_granted": ("skrev et samtykke ned", "recorded a consent"),
    "myreads.did.event.consent_withdrawn": (
        "skrev ned, at et samtykke blev trukket tilbage",
        "recorded that a consent was withdrawn",
    ),
    "myreads.did.event.contact_logged": (
        "skrev en kontakt med dig ned",
        "recorded a contact with you",
    ),
    "myreads.did.event.concern_flagged": ("skrev en bekymring ned", "noted a concern"),
    "myreads.did.event.goal_added": ("tilføjede et mål", "added a goal"),
    "myreads.did.event.goal_changed": ("ændrede et mål", "changed a goal"),
    "myreads.did.event.goal_dropped": ("tog et mål af listen", "took a goal off the list"),
    "myreads.did.event.discharge_planned": ("planlagde din udskrivning", "planned your discharge"),
    "myreads.did.event.discharged": ("skrev din udskrivning ned", "recorded your discharge"),
    "myreads.did.event.admitted": ("skrev en indlæggelse ned", "recorded an admission"),
    "myreads.did.event.risk_changed": (
        "ændrede, hvor tæt du skal følges",
        "changed how closely you are followed",
    ),
    "myreads.did.event.milestone_reached": ("skrev et skridt frem ned", "recorded a step forward"),
    "myreads.did.event.close_requested": (
        "bad om at afslutte forløbet",
        "asked to close the bridge",
    ),
    "myreads.did.event.referral_cancelled": ("annullerede henvisningen", "cancelled the referral"),
    "myreads.did.task.accept": ("tog imod en opgave i dit forløb", "took on a task in your bridge"),
    "myreads.did.task.decline": (
        "sagde nej til en opgave i dit forløb",
        "declined a task in your bridge",
    ),
    "myreads.did.task.complete": (
        "gjorde en opgave i dit forløb færdig og skrev en note",
        "completed a task in your bridge and wrote a note",
    ),
    "myreads.did.relative.added": ("tilføjede en pårørende", "added a relative"),
    "myreads.did.relative.removed": ("fjernede en pårørende", "removed a relative"),
    "myreads.did.citizen.sign_in_link_sent": (
        "sendte dig et link til at logge ind",
        "sent you a sign-in link",
    ),
    "myreads.did.citizen.contact_corrected": (
        "rettede dit telefonnummer eller din e-mail",
        "corrected your phone number or e-mail",
    ),
    "myreads.did.citizen.reminders_off": ("slog dine påmindelser fra", "turned your reminders off"),
    "myreads.did.citizen.reminders_on": ("slog dine påmindelser til", "turned your reminders on"),
    "myreads.did.citizen.channel_chosen": (
        "valgte, hvordan du får beskeder",
        "chose how you get messages",
    ),
    "myreads.did.citizen.quiet_hours_set": (
        "ændrede dine stille timer",
        "changed your quiet hours",
    ),
    "myreads.did.referral.refused_open_episode": (
        "prøvede at henvise dig igen og fik at vide, at du allerede har et forløb",
        "tried to refer you again and was told you already have a bridge",
    ),
    # --- /my/data ------------------------------------------------------------------------------
    "mydata.title": ("Mine data", "My data"),
    "mydata.intro": (
        "Her er alt, hvad vi har om dig. Du kan hente det som en fil (JSON) eller udskrive siden.",
        "Here is everything we hold about you. You can download it as a file (JSON) or "
        "print this page.",
    ),
    "mydata.download": ("Hent mine data (JSON)", "Download my data (JSON)"),
    "mydata.print": ("Udskriv siden", "Print this page"),
    "mydata.print_hint": (
        "Brug din browsers udskriv-funktion. Knapperne kommer ikke med på papiret.",
        "Use your browser's print function. The buttons are left off the paper.",
    ),
    "mydata.made": ("Lavet {when}", "Made {when}"),
    "mydata.you": ("Om dig", "About you"),
    "mydata.cpr": ("CPR-nummer", "CPR number"),
    "mydata.known_since": ("Kendt siden", "Known since"),
    "mydata.bridge": ("Forløb", "Bridge"),
    "mydata.phase": ("Hvor forløbet er", "Where the bridge is"),
    "mydata.ward": ("Afdeling", "Ward"),
    "mydata.organisation": ("Organisation", "Organisation"),
    "mydata.municipality": ("Kommune", "Municipality"),
    "mydata.referred": ("Henvist", "Referred"),
    "mydata.discharged": ("Udskrevet", "Discharged"),
    "mydata.closed": ("Afsluttet", "Ended"),
    "mydata.consents": ("Samtykker, der gælder nu", "Consents that stand now"),
    "mydata.contact": ("Sådan kontakter vi dig", "How we reach you"),
    "mydata.name": ("Navn", "Name"),
    "mydata.phone": ("Telefon", "Phone"),
    "mydata.email": ("E-mail", "E-mail"),
    "mydata.recorded": ("Skrevet ned af {who}, {when}", "Recorded by {who}, {when}"),
    "mydata.goals": ("Dine mål", "Your goals"),
    "mydata.goal.area": ("Område", "Area"),
    "mydata.goal.text": ("Mål", "Goal"),
    "mydata.goal.status": ("Status", "Status"),
    "mydata.timeline": ("Hvad der er sket", "What has happened"),
    "mydata.when": ("Hvornår", "When"),
    "mydata.what": ("Hvad", "What"),
    "mydata.who": ("Hvem", "Who"),
    "mydata.relatives": ("Pårørende", "Relatives"),
    "mydata.relative.removed": ("fjernet {when}", "removed {when}"),
    "mydata.notes": ("Noter, som medarbejderne har skrevet", "Notes staff have written"),
    "mydata.notes_hint": (
        "Det er medarbejdernes arbejdsnoter. Du har ret til at se dem.",
        "These are the staff's working notes. You have the right to see them.",
    ),
    "mydata.note.urgent": ("Haster", "Urgent"),
    "mydata.tasks": ("Opgaver i dit forløb", "Tasks in your bridge"),
    "mydata.task.kind": ("Opgave", "Task"),
    "mydata.task.for": ("For", "For"),
    "mydata.task.status": ("Status", "Status"),
    "mydata.task.due": ("Frist", "Due"),
    "mydata.messages": ("Beskeder til dig", "Messages to you"),
    "mydata.message.about": ("Om", "About"),
    "mydata.message.channel": ("Sendt som", "Sent by"),
    "mydata.message.status": ("Status", "Status"),
    "mydata.none": ("Ingen.", "None."),
    "mydata.nothing": ("Vi har ingen forløb om dig.", "We hold no bridges about you."),
}
