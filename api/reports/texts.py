"""The report pages' texts in Danish and English (merged into the page labels)."""

from __future__ import annotations

from api.reports.period import AHEAD_DAYS, EARLIEST, MAX_DAYS
from api.reports.rounding import BASE

_EARLIEST = EARLIEST.isoformat()

# key -> (Danish, English)
REPORT_TEXTS: dict[str, tuple[str, str]] = {
    "report.title": ("Resultater: holdt broen?", "Outcomes: did the bridge hold?"),
    "report.print_title": ("Kvartalsrapport", "Quarterly report"),
    "report.scope.organisation": ("Organisation", "Organisation"),
    "report.scope.municipality": ("Kommune", "Municipality"),
    "report.filters": ("Afgræns rapporten", "Narrow the report"),
    "report.quarter": ("Kvartal", "Quarter"),
    "report.from": ("Fra dato (valgfri)", "From date (optional)"),
    "report.to": ("Til dato (valgfri)", "To date (optional)"),
    "report.dates.hint": (
        "Udfyldes begge datoer, bruges de i stedet for kvartalet.",
        "If both dates are filled in, they are used instead of the quarter.",
    ),
    "report.dates.bounds": (
        f"Perioden skal ligge fra {_EARLIEST} til højst et år frem og højst være tre år lang.",
        f"The period must lie between {_EARLIEST} and at most a year ahead, and be at most "
        "three years long.",
    ),
    "report.error.date": (
        "skriv en dato som 2026-07-01",
        "expected a date like 2026-07-01",
    ),
    "report.error.quarter": (
        "vælg et kvartal som 2026-Q3",
        "expected a quarter like 2026-Q3",
    ),
    "report.error.code": ("ikke en kendt kode", "not a known code"),
    "report.error.too_early": (
        f"perioden kan tidligst begynde {_EARLIEST}",
        f"the period cannot start before {_EARLIEST}",
    ),
    "report.error.too_late": (
        f"perioden kan højst slutte {AHEAD_DAYS} dage fra i dag",
        f"the period cannot end more than {AHEAD_DAYS} days from today",
    ),
    "report.error.backwards": (
        "perioden slutter, før den begynder",
        "the period ends before it starts",
    ),
    "report.error.too_long": (
        f"perioden er længere end {MAX_DAYS} dage (tre år)",
        f"the period is longer than {MAX_DAYS} days (three years)",
    ),
    "report.refused": (
        "Rapporten kan ikke vises for den periode. Ret feltet, og prøv igen.",
        "The report cannot be shown for that period. Correct the field and try again.",
    ),
    "report.all": ("Alle", "All"),
    "report.show": ("Vis rapport", "Show report"),
    "report.csv": ("Hent som CSV", "Download CSV"),
    "report.print": ("Printvenlig kvartalsrapport", "Printable quarterly report"),
    "report.period": ("Periode", "Period"),
    "report.period.hint": (
        "Forløb henvist i perioden. Peer-belastning er status lige nu.",
        "Episodes referred in the period. Peer load is as of now.",
    ),
    "report.as_of": ("Tal opgjort", "Figures as of"),
    "report.as_of.kept": (
        "Samme rapport vises igen i op til {minutes} minutter til læsere med samme adgang og "
        "filtre, og så længe kan den også tælle borgere, der siden er slettet eller har "
        "trukket et samtykke tilbage.",
        "The same report is shown again for up to {minutes} minutes to readers with the same "
        "access and filters, and for that long it may still count citizens who have since "
        "been erased or withdrawn a consent.",
    ),
    "report.privacy": (
        "Kun samlede tal. Tal bygget på færre end 5 borgere vises som \u201c<5\u201d eller "
        "\u201cskjult\u201d, og statistik over færre end 5 borgere vises ikke. Når kun én "
        "gruppe ville være skjult, skjules også den mindste af de andre, så totalen ikke "
        f"afslører den. Alle viste antal er afrundet til et multiplum af {BASE}: op eller ned "
        "med en sandsynlighed, der svarer til afstanden, og ens for samme borgere. Derfor "
        "giver det samme tal hver gang, men to perioder, der kun adskiller sig ved én borger, "
        "eller en total minus de viste grupper, afslører ikke én enkelt borger. Procenter "
        "regnes af de afrundede antal, og grupperne summerer ikke altid præcist til totalen.",
        "Aggregated numbers only. Numbers built from fewer than 5 citizens are shown as "
        "\u201c<5\u201d or \u201csuppressed\u201d, and statistics over fewer than 5 citizens "
        "are not shown. When only one group would be hidden, the smallest of the others is "
        "hidden too, so the total does not give it away. Every count shown is rounded to a "
        f"multiple of {BASE}: up or down with a chance that matches the distance, and the same "
        "way for the same citizens. So a report gives the same numbers every time, but two "
        "periods that differ by one citizen, or a total minus the groups shown, do not reveal "
        "a single citizen. Percentages are taken of the rounded counts, and groups do not "
        "always add up exactly to the total.",
    ),
    "report.suppressed": ("skjult", "suppressed"),
    "report.key_figures": ("Nøgletal", "Key figures"),
    "report.measure": ("Mål", "Measure"),
    "report.value": ("Værdi", "Value"),
    "report.section.matching": ("Henvisning og match", "Referral and matching"),
    "report.section.contact": ("Første kontakt efter udskrivning", "First contact after discharge"),
    "report.section.follow_up": ("Opfølgning og genindlæggelser", "Follow-up and readmissions"),
    "report.section.closing": ("Ved afslutning", "At closing"),
    "report.section.goals": ("Borgerens mål", "The citizen's goals"),
    "report.section.job_education": ("Job og uddannelse", "Job and education"),
    "report.section.hope": ("Håb (recovery)", "Hope (recovery)"),
    "report.section.network": ("Netværk", "Network"),
    "report.section.peers": ("Peer-belastning og eskaleringer", "Peer load and escalations"),
    "report.target": ("Mål: 80 % inden for 72 timer", "Target: 80% within 72 hours"),
    "report.target.met": ("Målet er nået", "Target met"),
    "report.target.missed": ("Målet er ikke nået", "Target not met"),
    "report.charts": ("Grafer", "Charts"),
    "report.chart.contact": (
        "Tid fra udskrivning til første peer-kontakt",
        "Time from discharge to first peer contact",
    ),
    "report.chart.contact.desc": (
        "Antal borgere efter timer fra udskrivning til første kontakt, og udskrevne uden "
        "kontakt efter 72 timer.",
        "Number of citizens by hours from discharge to first contact, and those discharged "
        "with no contact after 72 hours.",
    ),
    "report.chart.within72": (
        "Første kontakt inden for 72 timer, pr. program",
        "First contact within 72 hours, by programme",
    ),
    "report.chart.within72.desc": (
        "Andel i procent; den stiplede linje er målet på 80 %.",
        "Share in percent; the dashed line is the 80% target.",
    ),
    "report.chart.closing": (
        "Afsluttede forløb med milepæle",
        "Closed episodes with milestones",
    ),
    "report.chart.closing.desc": (
        "Andel af afsluttede forløb i procent.",
        "Share of closed episodes in percent.",
    ),
    "report.chart.hope": ("Ændring i håb fra start til slut", "Change in hope from start to end"),
    "report.chart.hope.desc": (
        "Antal borgere efter ændring i håbsscore (1-10).",
        "Number of citizens by change in hope score (1-10).",
    ),
    "report.chart.network": (
        "Ændring i netværk fra start til slut",
        "Change in network from start to end",
    ),
    "report.chart.network.desc": (
        "Antal borgere efter ændring i antal personer i netværket, målt ved første kontakt "
        "og ved afslutning.",
        "Number of citizens by change in the number of people in their network, measured at "
        "the first contact and at closing.",
    ),
    "report.chart.data": ("Tal bag grafen", "Data behind the chart"),
    "report.group": ("Gruppe", "Group"),
    "report.by.programme": ("Pr. program", "By programme"),
    "report.by.municipality": ("Pr. kommune", "By municipality"),
    "report.by.organisation": ("Pr. organisation", "By organisation"),
    "report.b.h0_24": ("0-24 t", "0-24 h"),
    "report.b.h24_48": ("24-48 t", "24-48 h"),
    "report.b.h48_72": ("48-72 t", "48-72 h"),
    "report.b.h72_120": ("72-120 t", "72-120 h"),
    "report.b.h120_": ("over 120 t", "over 120 h"),
    "report.b.no_contact": ("ingen kontakt", "no contact"),
    "report.b.hope_down_3": ("-3 el. mindre", "-3 or less"),
    "report.b.hope_down_1": ("-2 til -1", "-2 to -1"),
    "report.b.hope_same": ("uændret", "unchanged"),
    "report.b.hope_up_1": ("+1 til +2", "+1 to +2"),
    "report.b.hope_up_3": ("+3 el. mere", "+3 or more"),
    "report.b.network_down_3": ("-3 el. færre", "-3 or fewer"),
    "report.b.network_down_1": ("-2 til -1", "-2 to -1"),
    "report.b.network_same": ("uændret", "unchanged"),
    "report.b.network_up_1": ("+1 til +2", "+1 to +2"),
    "report.b.network_up_3": ("+3 el. flere", "+3 or more"),
    "report.peers": ("Peer-medarbejdere", "Peer guides"),
    "report.capacity": ("Samlet kapacitet", "Total capacity"),
    "report.active_load": ("Aktive forløb", "Active episodes"),
    "report.utilisation_pct": ("Udnyttelse (%)", "Utilisation (%)"),
    "report.at_capacity": ("Peer-medarbejdere på fuld kapacitet", "Peer guides at capacity"),
    "report.m.referrals": ("Henvisninger", "Referrals"),
    "report.m.match_due": (
        "Henvisninger, der har ventet mindst 24 t eller er matchet",
        "Referrals waiting 24 h or more, or matched",
    ),
    "report.m.matched_24h": ("Matchet inden for 24 t", "Matched within 24 h"),
    "report.m.matched_24h_pct": ("Matchet inden for 24 t (%)", "Matched within 24 h (%)"),
    "report.m.contact_due": (
        "Udskrevne med kontakt eller over 72 t siden udskrivning",
        "Discharged with a contact or more than 72 h ago",
    ),
    "report.m.contact_72h": ("Kontakt inden for 72 t", "Contact within 72 h"),
    "report.m.contact_72h_pct": ("Kontakt inden for 72 t (%)", "Contact within 72 h (%)"),
    "report.m.contacted": ("Med første kontakt", "With a first contact"),
    "report.m.contact_median_h": ("Median, timer til kontakt", "Median hours to contact"),
    "report.m.contact_p80_h": (
        "80 % fik kontakt inden for (timer)",
        "80% contacted within (hours)",
    ),
    "report.m.follow_ups_planned": ("Opfølgninger planlagt", "Follow-ups planned"),
    "report.m.follow_ups_done": ("Opfølgninger udført", "Follow-ups done"),
    "report.m.adherence_pct": ("Opfølgning udført (%)", "Follow-up adherence (%)"),
    "report.m.readmitted": ("Forløb med genindlæggelse", "Episodes with a readmission"),
    "report.m.readmitted_pct": ("Forløb med genindlæggelse (%)", "Episodes with a readmission (%)"),
    "report.m.readmissions": ("Genindlæggelser i alt", "Readmissions in total"),
    "report.m.closed": ("Afsluttede forløb", "Closed episodes"),
    "report.m.closed_municipal_service": (
        "Afsluttet med kommunal indsats startet",
        "Closed with a municipal service started",
    ),
    "report.m.closed_municipal_service_pct": (
        "Afsluttet med kommunal indsats (%)",
        "Closed with a municipal service (%)",
    ),
    "report.m.closed_job_or_education": (
        "Afsluttet med skridt mod job eller uddannelse",
        "Closed with a job or education step",
    ),
    "report.m.closed_job_or_education_pct": (
        "Afsluttet med job-/uddannelsesskridt (%)",
        "Closed with a job or education step (%)",
    ),
    "report.m.closed_network_activity": (
        "Afsluttet med ny netværksaktivitet",
        "Closed with a new network activity",
    ),
    "report.m.closed_network_activity_pct": (
        "Afsluttet med ny netværksaktivitet (%)",
        "Closed with a new network activity (%)",
    ),
    "report.m.hope_n": ("Med håbsscore ved start og slut", "With hope score at start and end"),
    "report.m.hope_change_mean": ("Gennemsnitlig ændring i håb", "Mean change in hope"),
    "report.m.hope_change_median": ("Median ændring i håb", "Median change in hope"),
    "report.m.network_n": (
        "Med netværk målt ved start og slut",
        "With network measured at start and end",
    ),
    "report.m.network_change_mean": (
        "Gennemsnitlig ændring i netværk (personer)",
        "Mean change in network (people)",
    ),
    "report.m.network_change_median": (
        "Median ændring i netværk (personer)",
        "Median change in network (people)",
    ),
    "report.m.goal_episodes": ("Forløb med mål", "Episodes with goals"),
    "report.m.goals_set": ("Mål sat i alt", "Goals set in total"),
    "report.m.goals_reached": ("Mål nået", "Goals reached"),
    "report.m.goals_reached_pct": ("Mål nået (% af satte mål)", "Goals reached (% of goals set)"),
    "report.m.goal_reached_episodes": (
        "Forløb med mindst ét mål nået",
        "Episodes with at least one goal reached",
    ),
    "report.m.goal_reached_episodes_pct": (
        "Forløb med mindst ét mål nået (% af forløb med mål)",
        "Episodes with at least one goal reached (% of episodes with goals)",
    ),
    "report.m.job_or_education_step": (
        "Forløb med skridt mod job eller uddannelse (fx IPS, ressourceforløb)",
        "Episodes with a job or education step (e.g. IPS, resource course)",
    ),
    "report.m.closed_answered": (
        "Afsluttede forløb med afslutningsskema",
        "Closed episodes with the closing questionnaire",
    ),
    "report.m.closed_working_or_studying": (
        "I job eller uddannelse ved afslutning",
        "Working or studying at closing",
    ),
    "report.m.closed_working_or_studying_pct": (
        "I job eller uddannelse ved afslutning (%)",
        "Working or studying at closing (%)",
    ),
    "report.m.closed_in_process": (
        "I gang med at komme i job eller uddannelse ved afslutning",
        "In process towards a job or education at closing",
    ),
    "report.m.closed_in_process_pct": (
        "I gang mod job eller uddannelse ved afslutning (%)",
        "In process towards a job or education at closing (%)",
    ),
    "report.m.escalations_manual_match": (
        "Eskaleringer: manuelt match",
        "Escalations: manual match",
    ),
    "report.m.escalations_first_contact": (
        "Eskaleringer: første kontakt mangler",
        "Escalations: first contact missing",
    ),
    "report.section.courses": ("Kurser", "Courses"),
    "report.courses.hint": (
        "Tilmeldinger til hold, der starter i perioden (ikke aflyste hold); hver person tælles "
        "én gang pr. program. Fremmødt: mødt til mindst én gang. Vælges en kommune, tælles kun "
        "borgere med et forløb i kommunen.",
        "Enrolments in terms that start in the period (not cancelled terms); each person counts "
        "once per programme. Attended: came to at least one session. When a municipality is "
        "chosen, only citizens with an episode there are counted.",
    ),
    "report.section.groups": ("Grupper", "Groups"),
    "report.groups.hint": (
        "Medlemmer i perioden og gruppemøder holdt i perioden. Fremmøde er andelen af "
        "medlemmernes registreringer, hvor de kom; det vises kun for mindst 5 personer.",
        "Members during the period and group sessions held in it. Attendance is the share of "
        "the members' marks where they came; it is shown only for 5 people or more.",
    ),
    "report.participant_kind": ("Deltagertype", "Participant kind"),
    "report.pk.all": ("Alle deltagere", "All participants"),
    "report.pk.citizen": ("Borgere", "Citizens"),
    "report.pk.relative": ("Pårørende", "Relatives"),
    "report.pk.staff": ("Medarbejdere", "Staff"),
    "report.pk.student": ("Studerende", "Students"),
    "report.c.enrolled": ("Tilmeldt", "Enrolled"),
    "report.c.waiting": ("På venteliste", "On the waiting list"),
    "report.c.attended": ("Fremmødt mindst én gang", "Attended at least one session"),
    "report.c.completed": ("Gennemført", "Completed"),
    "report.g.members": ("Medlemmer", "Members"),
    "report.g.sessions_held": ("Gruppemøder holdt", "Sessions held"),
    "report.g.attendance_pct": ("Fremmøde (%)", "Attendance (%)"),
}
