"""How a cell reads on a page: the number in the reader's language, or why it is hidden."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from api.reports.measures import Measure, decimals
from api.reports.model import GroupRow
from api.reports.suppression import Cell, Mark
from api.reports.texts import REPORT_TEXTS

Translate = Callable[[str], str]
# breakdown -> group key -> display name
Names = Mapping[str, Mapping[str, str]]


def cell_text(cell: Cell, places: int, lang: str) -> str:
    if cell.mark == Mark.SUPPRESSED:
        da, en = REPORT_TEXTS["report.suppressed"]
        return da if lang == "da" else en
    text = cell.text(places)
    return text.replace(".", ",") if lang == "da" else text


def measure_text(row: GroupRow, measure: Measure | str, lang: str) -> str:
    chosen = Measure(measure)
    return cell_text(row.cell(chosen), decimals(chosen), lang)


def group_name(row: GroupRow, names: Names, t: Translate) -> str:
    if row.breakdown == "all":
        return t("report.all")
    return names.get(row.breakdown, {}).get(row.key, row.key)


# The key-figures table: a heading and the measures under it.
SECTIONS: tuple[tuple[str, tuple[Measure, ...]], ...] = (
    (
        "report.section.matching",
        (Measure.REFERRALS, Measure.MATCH_DUE, Measure.MATCHED_24H, Measure.MATCHED_24H_PCT),
    ),
    (
        "report.section.contact",
        (
            Measure.CONTACT_DUE,
            Measure.CONTACT_72H,
            Measure.CONTACT_72H_PCT,
            Measure.CONTACTED,
            Measure.CONTACT_MEDIAN_H,
            Measure.CONTACT_P80_H,
        ),
    ),
    (
        "report.section.follow_up",
        (
            Measure.FOLLOW_UPS_PLANNED,
            Measure.FOLLOW_UPS_DONE,
            Measure.ADHERENCE_PCT,
            Measure.READMITTED,
            Measure.READMITTED_PCT,
            Measure.READMISSIONS,
        ),
    ),
    (
        "report.section.closing",
        (
            Measure.CLOSED,
            Measure.CLOSED_MUNICIPAL_SERVICE,
            Measure.CLOSED_MUNICIPAL_SERVICE_PCT,
            Measure.CLOSED_JOB_OR_EDUCATION,
            Measure.CLOSED_JOB_OR_EDUCATION_PCT,
            Measure.CLOSED_NETWORK_ACTIVITY,
            Measure.CLOSED_NETWORK_ACTIVITY_PCT,
        ),
    ),
    (
        "report.section.goals",
        (
            Measure.GOAL_EPISODES,
            Measure.GOALS_SET,
            Measure.GOALS_REACHED,
            Measure.GOALS_REACHED_PCT,
            Measure.GOAL_REACHED_EPISODES,
            Measure.GOAL_REACHED_EPISODES_PCT,
        ),
    ),
    (
        "report.section.job_education",
        (
            Measure.JOB_OR_EDUCATION_STEP,
            Measure.CLOSED_ANSWERED,
            Measure.CLOSED_WORKING_OR_STUDYING,
            Measure.CLOSED_WORKING_OR_STUDYING_PCT,
            Measure.CLOSED_IN_PROCESS,
            Measure.CLOSED_IN_PROCESS_PCT,
        ),
    ),
    (
        "report.section.hope",
        (Measure.HOPE_N, Measure.HOPE_CHANGE_MEAN, Measure.HOPE_CHANGE_MEDIAN),
    ),
    (
        "report.section.network",
        (Measure.NETWORK_N, Measure.NETWORK_CHANGE_MEAN, Measure.NETWORK_CHANGE_MEDIAN),
    ),
    (
        "report.section.peers",
        (Measure.ESCALATIONS_MANUAL_MATCH, Measure.ESCALATIONS_FIRST_CONTACT),
    ),
)
# The breakdown tables: the few measures that compare groups best.
BREAKDOWN_COLUMNS = (
    Measure.REFERRALS,
    Measure.MATCHED_24H_PCT,
    Measure.CONTACT_72H_PCT,
    Measure.CONTACT_MEDIAN_H,
    Measure.ADHERENCE_PCT,
    Measure.READMITTED,
    Measure.CLOSED,
    Measure.GOALS_REACHED_PCT,
    Measure.HOPE_CHANGE_MEAN,
    Measure.ESCALATIONS_MANUAL_MATCH,
    Measure.ESCALATIONS_FIRST_CONTACT,
)
