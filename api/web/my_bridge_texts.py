"""Texts of the citizen's own page, My bridge, Danish and English (merged into labels.TEXTS
and reason_texts.REASONS). Plain words and short sentences: the citizen reads them on a phone,
perhaps on a hard day. No internal codes, no staff jargon."""

from __future__ import annotations

# key -> (Danish, English)
MY_BRIDGE_TEXTS: dict[str, tuple[str, str]] = {
    # --- the citizen's navigation (base.html) ------------------------------------------------
    "my.nav.consent": ("Mit samtykke", "My consent"),
    "my.nav.reads": ("Hvem har læst om mig", "Who has read my record"),
    "my.nav.data": ("Mine data", "My data"),
    # --- no episode ---------------------------------------------------------------------------
    "my.none": (
        "Vi kan ikke finde et forløb til dig lige nu. Spørg afdelingen, hvis du er i tvivl.",
        "We cannot find a plan for you right now. Ask the ward if you are unsure.",
    ),
    "my.ended_only": (
        "Du har ikke et forløb i gang lige nu. Dine tidligere forløb står nederst.",
        "You have no plan going on right now. Your earlier ones are at the bottom.",
    ),
    # --- my plan and what happens next --------------------------------------------------------
    "my.plan.title": ("Min plan, og hvad der sker nu", "My plan and what happens next"),
    "my.plan.programme": ("Du er med i: {name}.", "You take part in: {name}."),
    "my.phase.referred": (
        "Afdelingen har henvist dig. Vi finder en peer-medarbejder til dig.",
        "The ward has referred you. We are finding a peer guide for you.",
    ),
    "my.phase.matching": (
        "Vi er ved at finde en peer-medarbejder til dig.",
        "We are finding a peer guide for you.",
    ),
    "my.phase.unmatched": (
        "Det tager længere tid end ventet at finde en peer-medarbejder. En koordinator "
        "arbejder på det.",
        "Finding a peer guide is taking longer than planned. A coordinator is working on it.",
    ),
    "my.phase.pre_discharge": (
        "Du har fået en peer-medarbejder. I mødes, før du bliver udskrevet.",
        "You have a peer guide. You will meet before you go home.",
    ),
    "my.phase.discharged": (
        "Du er udskrevet. Din peer-medarbejder kontakter dig snart.",
        "You have gone home. Your peer guide will contact you soon.",
    ),
    "my.phase.follow_up": (
        "Du og din peer-medarbejder holder kontakt og arbejder med dine mål.",
        "You and your peer guide keep in touch and work on your goals.",
    ),
    "my.phase.readmitted": (
        "Du er indlagt igen. Din peer-medarbejder ved det. Planen venter, til du kommer hjem.",
        "You are in hospital again. Your peer guide knows. The plan waits until you go home.",
    ),
    "my.phase.closing": (
        "Forløbet er ved at slutte. Din peer-medarbejder spørger dig, hvordan det er gået.",
        "Your plan is coming to an end. Your peer guide will ask you how it has gone.",
    ),
    "my.phase.closed": ("Forløbet er slut.", "This plan has ended."),
    "my.phase.withdrawn": (
        "Forløbet er stoppet, fordi du trak dit samtykke tilbage.",
        "This plan stopped because you took back your consent.",
    ),
    "my.phase.cancelled": ("Henvisningen blev trukket tilbage.", "The referral was withdrawn."),
    "my.phase.deceased": ("Forløbet er slut.", "This plan has ended."),
    "my.next.title": ("Næste skridt", "Next step"),
    "my.next.first_contact": (
        "Din peer-medarbejder kontakter dig senest {when}.",
        "Your peer guide will contact you by {when}.",
    ),
    "my.next.first_meeting": (
        "Du møder din peer-medarbejder på afdelingen senest {when}.",
        "You will meet your peer guide on the ward by {when}.",
    ),
    "my.next.in_ward_contact": (
        "Din peer-medarbejder besøger dig på afdelingen senest {when}.",
        "Your peer guide will visit you on the ward by {when}.",
    ),
    "my.next.follow_up": (
        "Du taler med din peer-medarbejder igen senest {when}.",
        "You will talk with your peer guide again by {when}.",
    ),
    "my.next.discharge_planned": (
        "Efter planen bliver du udskrevet {day}.",
        "You are planned to go home on {day}.",
    ),
    "my.next.matching": (
        "Her på siden kan du se, når du har fået en peer-medarbejder.",
        "You will see on this page when you have a peer guide.",
    ),
    "my.next.none": (
        "Der er ikke planlagt noget nyt lige nu. Spørg din peer-medarbejder, hvis du er i tvivl.",
        "Nothing new is planned right now. Ask your peer guide if you are unsure.",
    ),
    # --- my next meeting and how to reach my peer ---------------------------------------------
    "my.peer.title": (
        "Mit næste møde og min peer-medarbejder",
        "My next meeting and my peer guide",
    ),
    "my.meeting.network": ("Netværksmøde {day}", "Network meeting on {day}"),
    "my.meeting.at": ("kl. {time}", "at {time}"),
    "my.meeting.place": ("Sted: {place}", "Place: {place}"),
    "my.meeting.none": (
        "Der er ikke aftalt et møde med dato og tid endnu.",
        "No meeting with a date and time has been set yet.",
    ),
    "my.sessions.title": ("Mine kurser og grupper", "My courses and groups"),
    "my.sessions.course": ("Kurset »{title}«: {when}", "The course “{title}”: {when}"),
    "my.sessions.group": ("Gruppen »{title}«: {when}", "The group “{title}”: {when}"),
    "my.peer.name": ("Din peer-medarbejder hedder {name}.", "Your peer guide is {name}."),
    "my.peer.phone": ("Telefon", "Phone"),
    "my.peer.email": ("E-mail", "E-mail"),
    "my.peer.no_contact": (
        "Vi har ikke et telefonnummer eller en e-mail til din peer-medarbejder. Spørg afdelingen.",
        "We have no phone number or e-mail for your peer guide. Ask the ward.",
    ),
    "my.peer.none": (
        "Du har ikke fået en peer-medarbejder endnu.",
        "You have not been given a peer guide yet.",
    ),
    # --- my goals in my words -----------------------------------------------------------------
    "my.goals.title": ("Mine mål med mine egne ord", "My goals in my own words"),
    "my.goals.intro": (
        "Dine mål er dine egne. Din peer-medarbejder ser dem og taler med dig om dem.",
        "Your goals are your own. Your peer guide sees them and talks with you about them.",
    ),
    "my.goals.none": (
        "Du har ikke skrevet nogen mål endnu.",
        "You have not written any goals yet.",
    ),
    "my.goals.reached": ("Nået", "Reached"),
    "my.goals.dropped": ("Lagt til side", "Put aside"),
    "my.goals.about": ("Handler om: {area}", "About: {area}"),
    "my.goals.reword": ("Skriv målet om", "Reword this goal"),
    "my.goals.reword_text": ("Nye ord for: {goal}", "New words for: {goal}"),
    "my.goals.reword_area": ("Hvad handler det om: {goal}", "What it is about: {goal}"),
    "my.goals.save": ("Gem de nye ord", "Save the new words"),
    "my.goals.add_title": ("Skriv et nyt mål", "Write a new goal"),
    "my.goals.new_text": ("Mit nye mål", "My new goal"),
    "my.goals.hint": (
        "Skriv med dine egne ord. Højst 500 tegn.",
        "Write it in your own words. At most 500 characters.",
    ),
    "my.goals.new_area": ("Hvad handler målet om?", "What is the goal about?"),
    "my.goals.add": ("Tilføj målet", "Add the goal"),
    "my.area.municipal_services": ("Hjælp fra kommunen", "Help from the municipality"),
    "my.area.job": ("Arbejde", "Work"),
    "my.area.education": ("Uddannelse", "Education"),
    "my.area.network": ("Familie, venner og fællesskaber", "Family, friends and community"),
    "my.area.other": ("Noget andet", "Something else"),
    # --- what is shared with whom -------------------------------------------------------------
    "my.shared.title": ("Hvad deles med hvem", "What is shared with whom"),
    "my.shared.intro": ("Du har sagt ja til dette:", "You have said yes to this:"),
    "my.shared.none": (
        "Du har ikke sagt ja til at dele noget.",
        "You have not said yes to sharing anything.",
    ),
    "my.scope.peer_support": (
        "Peer-støtte. Din peer-medarbejder og koordinatoren i deres organisation ser din plan, "
        "dine mål, og hvordan de kan kontakte dig. Afdelingen ser det, mens du er indlagt.",
        "Peer support. Your peer guide and the coordinator in their organisation see your "
        "plan, your goals and how to reach you. The ward sees it while you are in hospital.",
    ),
    "my.scope.share_with_municipality": (
        "Kommunen. En sagsbehandler i din kommunes socialforvaltning får besked, når du bliver "
        "udskrevet, og ser dine mål om hjælp fra kommunen.",
        "The municipality. A caseworker in your municipality's social services is told when "
        "you go home and sees your goals about help from the municipality.",
    ),
    "my.scope.share_with_jobcenter": (
        "Jobcentret. En sagsbehandler i jobcentret ser dine mål om arbejde og dine skridt mod "
        "et job.",
        "The job centre. A caseworker at the job centre sees your goals about work and your "
        "steps towards a job.",
    ),
    "my.scope.share_with_education": (
        "Uddannelsesvejledningen. En vejleder ser dine mål om uddannelse og dine skridt mod "
        "en uddannelse.",
        "Education guidance. A guidance counsellor sees your goals about education and your "
        "steps towards an education.",
    ),
    "my.scope.share_with_relative": (
        "Dine pårørende. De pårørende her under får korte beskeder om, hvornår du bliver "
        "udskrevet, og hvem din peer-medarbejder er.",
        "Your relatives. The relatives below get short messages about when you go home and "
        "who your peer guide is.",
    ),
    "my.relatives.title": ("Dine pårørende", "Your relatives"),
    "my.relatives.none": (
        "Der er ingen pårørende skrevet på.",
        "No relatives have been added.",
    ),
    "my.shared.change": (
        "Vil du trække et ja tilbage? Det kan du gøre på siden Mit samtykke.",
        "Do you want to take back a yes? You can do that on the page My consent.",
    ),
    # --- reminders ----------------------------------------------------------------------------
    "my.reminders.title": ("Påmindelser", "Reminders"),
    "my.reminders.on_now": (
        "Du får en påmindelse før dine møder.",
        "You get a reminder before your meetings.",
    ),
    "my.reminders.off_now": ("Du har slået påmindelser fra.", "You have turned reminders off."),
    "my.reminders.turn_off": ("Slå påmindelser fra", "Turn reminders off"),
    "my.reminders.turn_on": ("Slå påmindelser til igen", "Turn reminders on again"),
    "my.channel.legend": ("Hvordan vil du have beskeder?", "How do you want messages?"),
    "my.channel.any": ("Sms eller e-mail", "Text message or e-mail"),
    "my.channel.sms": ("Kun sms", "Text message only"),
    "my.channel.email": ("Kun e-mail", "E-mail only"),
    "my.channel.none": ("Ingen beskeder", "No messages"),
    "my.channel.save": ("Gem mit valg", "Save my choice"),
    # --- earlier episodes ---------------------------------------------------------------------
    "my.older.title": ("Tidligere forløb", "Earlier plans"),
    "my.older.item": ("{name}, fra {start} til {end}", "{name}, from {start} to {end}"),
    "my.older.open": ("{name}, i gang siden {start}", "{name}, going on since {start}"),
    # --- notices after a change ---------------------------------------------------------------
    "notice.my_goal_added": (
        "Dit mål er tilføjet. Din peer-medarbejder kan se det nu.",
        "Your goal has been added. Your peer guide can see it now.",
    ),
    "notice.my_goal_changed": (
        "Dit mål er skrevet om. Din peer-medarbejder kan se det nu.",
        "Your goal has been reworded. Your peer guide can see it now.",
    ),
    "notice.my_reminders_off": (
        "Du får ikke flere påmindelser.",
        "You will get no more reminders.",
    ),
    "notice.my_reminders_on": ("Du får påmindelser igen.", "You will get reminders again."),
    "notice.my_channel": ("Dit valg er gemt.", "Your choice has been saved."),
}

# Why a form of My bridge was refused (English as raised) -> (Danish, English).
MY_BRIDGE_REASONS: dict[str, tuple[str, str]] = {
    "write your goal in a few words": (
        "skriv dit mål med et par ord",
        "write your goal in a few words",
    ),
    "write at most 500 characters": ("skriv højst 500 tegn", "write at most 500 characters"),
    "choose what the goal is about": (
        "vælg, hvad målet handler om",
        "choose what the goal is about",
    ),
    "choose one of the ways to get messages": (
        "vælg en af måderne at få beskeder på",
        "choose one of the ways to get messages",
    ),
    "choose on or off": ("vælg til eller fra", "choose on or off"),
    # The episode's own check of a citizen's event (workflows/citizen_acts).
    "only the episode's own citizen may report for it": (
        "kun forløbets egen borger kan melde noget på det",
        "only the episode's own citizen may report for it",
    ),
    "a citizen may not report this kind of event": (
        "en borger kan ikke melde den slags hændelser",
        "a citizen may not report this kind of event",
    ),
}
