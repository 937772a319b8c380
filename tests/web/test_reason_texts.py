"""A refused form says why in the page's language: every reason our own code raises has a
Danish and an English text in the reason catalog (found here by reading the code), so do the
messages pydantic gives for our forms, and the pages show them (a Danish page the Danish
reason, an English page the English one)."""

from __future__ import annotations

import ast
import itertools
import re
import string
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from playwright.async_api import Page
from pydantic import BaseModel, ValidationError

from api.errors import field_errors
from api.event_input import ConsentIn
from api.meeting_dates import DANISH_TIME
from api.web.reason_texts import PATTERNS, REASONS, known, say
from command.synthetic.roster import Roster
from db.pool import DatabasePool
from hverdagsbro.settings import PROJECT_ROOT
from schemas.goals import Goal, GoalReview
from schemas.tasks import FirstContactMade, HandOver, NetworkMeetingBooked, OutcomeAnswers
from tests.web.conftest import OpenAs, reload_until, web_roster
from tests.web.steps import open_task_of, refer, without_browser_checks

# --- the reasons our code raises, read from the code ----------------------------------------

SOURCES = (
    PROJECT_ROOT / "workflows",
    PROJECT_ROOT / "api",
    PROJECT_ROOT / "activities" / "matching.py",  # a peer who cannot be matched, via the episode
)
# A call that refuses -> the position of its reason (or, for ApiError, its message).
REASON_ARGUMENT = {"reject": 1, "_refuse": 1, "ApiError": 1, "Refusal": 2, "_answer": 2}
FIELD_SHAPED = re.compile(r"^[A-Za-z_{][\w.{}\-]*: (?P<rest>.+)$", re.S)
HOLE = "{}"


def _texts(node: ast.AST) -> list[str]:
    """A string literal, an f-string (each value a hole) or either branch of a choice."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        parts = (str(v.value) if isinstance(v, ast.Constant) else HOLE for v in node.values)
        return ["".join(parts)]
    if isinstance(node, ast.IfExp):
        return _texts(node.body) + _texts(node.orelse)
    if isinstance(node, ast.BoolOp):
        return [t for v in node.values for t in _texts(v)]
    return []


def _assigned(node: ast.AST, name: str) -> ast.AST | None:
    """What `node` assigns to `name`, if it is an assignment to it."""
    if isinstance(node, ast.Assign):
        targets = [t for t in node.targets if isinstance(t, ast.Name) and t.id == name]
        return node.value if targets else None
    if isinstance(node, ast.NamedExpr | ast.AnnAssign):
        hit = isinstance(node.target, ast.Name) and node.target.id == name
        return node.value if hit else None
    return None


def message_reason(message: str) -> str:
    """A refusal's message without 'invalid input: ' and the field it names."""
    text = message.removeprefix("invalid input: ")
    shaped = FIELD_SHAPED.match(text)
    return shaped["rest"] if shaped else text


class _Module:
    """One source file: its refusing calls, and the names their reasons are held in."""

    def __init__(self, path: Path) -> None:
        self.tree = ast.parse(path.read_text(encoding="utf-8"))
        self.parent: dict[ast.AST, ast.AST] = {}
        self.functions: dict[str, ast.AST] = {}
        for node in ast.walk(self.tree):
            for child in ast.iter_child_nodes(node):
                self.parent[child] = node
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                self.functions.setdefault(node.name, node)

    def _function_of(self, node: ast.AST) -> ast.AST | None:
        while node in self.parent:
            node = self.parent[node]
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                return node
        return None

    def _returned(self, name: str) -> list[str]:
        """What a function of this module returns as text (a reason helper like time_fault)."""
        function = self.functions.get(name)
        if function is None:
            return []
        returns = (n for n in ast.walk(function) if isinstance(n, ast.Return) and n.value)
        return [t for n in returns if n.value is not None for t in _texts(n.value)]

    def resolve(self, node: ast.AST, depth: int = 0) -> list[str]:
        """The texts a reason argument can be: a literal, a local or module-level name's
        assigned texts, or what a helper of this module returns."""
        found = _texts(node)
        if found or depth > 2:
            return found
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            return self._returned(node.func.id)
        if not isinstance(node, ast.Name):
            return []
        function = self._function_of(node)
        local = list(ast.walk(function)) if function is not None else []
        for nodes in (local, self.tree.body):
            for n in nodes:
                value = _assigned(n, node.id)
                if value is not None:
                    found += self.resolve(value, depth + 1)
            if found:
                break
        return found

    def reasons(self) -> list[str]:
        found: list[str] = []
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = (
                    func.id
                    if isinstance(func, ast.Name)
                    else func.attr
                    if isinstance(func, ast.Attribute)
                    else ""
                )
                at = REASON_ARGUMENT.get(name)
                if at is not None and len(node.args) > at:
                    texts = self.resolve(node.args[at])
                    found += [message_reason(t) for t in texts] if name == "ApiError" else texts
                if name == "FieldError":
                    reasons = (k.value for k in node.keywords if k.arg == "reason")
                    found += [t for value in reasons for t in self.resolve(value)]
                if name == "ApplicationError" and node.args:
                    texts = self.resolve(node.args[0])
                    found += [message_reason(t) for t in texts if FIELD_SHAPED.match(t)]
            # A validator's ("field", "reason"), raised as reject(*why).
            if (
                isinstance(node, ast.Return)
                and isinstance(node.value, ast.Tuple)
                and len(node.value.elts) == 2
            ):
                first, second = node.value.elts
                head = first.value if isinstance(first, ast.Constant) else None
                if isinstance(head, str) and re.fullmatch(r"[a-z_][\w.]*", head):
                    found += _texts(second)
        return found


def raised_reasons() -> dict[str, str]:
    """Every reason our code raises -> the file it is raised in; a hole ({}) for each value
    put in. Messages that are only holes (a reason passed on from elsewhere) are left out."""
    found: dict[str, str] = {}
    for source in SOURCES:
        paths = sorted(source.rglob("*.py")) if source.is_dir() else [source]
        for path in paths:
            for reason in _Module(path).reasons():
                if re.sub(r"\{\}", "", reason).strip(" .:;") and " " in reason.strip():
                    found.setdefault(reason, str(path.relative_to(PROJECT_ROOT)))
    return found


# What a hole may hold, as the code fills it (a phase, a count, a code, a date, the parts of
# a refused second referral).
SAMPLES = (
    "closed",
    "7",
    "'peer-guide-sind'",
    "2026-05-04",
    " (episode-1)",
    "; to replace it, send payload.transfer_from_episode_id episode-1",
    " (end the open episode first)",
)


def filled(reason: str) -> str | None:
    """The reason with its holes filled so that the catalog knows it, if any filling does."""
    for values in itertools.product(SAMPLES, repeat=reason.count(HOLE)):
        text = reason
        for value in values:
            text = text.replace(HOLE, value, 1)
        if known(text):
            return text
    return None


def test_the_code_is_read_for_its_reasons() -> None:
    """The scan finds the reasons of each kind of refusal (so a miss below is a real miss)."""
    reasons = raised_reasons()
    for expected in (
        "the episode has ended ({})",  # reject() in workflows/decisions.py
        "goal {} has no review",  # a validator's ("field", "reason")
        "the date has passed; choose today or later",  # ApiError("field: reason")
        "required: write a number",  # FieldError(reason=...)
        "tick the box to confirm that the episode should close",  # peer.py _refuse
        "lies in the future",  # a helper's return, passed as reason
        "peer has no free capacity",  # a module constant, via the episode
    ):
        assert expected in reasons, expected
    assert len(reasons) > 60


def test_every_reason_our_code_raises_is_in_the_catalog_in_both_languages() -> None:
    missing = [f"{where}: {r!r}" for r, where in raised_reasons().items() if filled(r) is None]
    assert not missing, "reasons without a Danish text:\n" + "\n".join(missing)
    for reason in raised_reasons():
        text = filled(reason)
        assert text is not None
        danish, english = say(text, "da"), say(text, "en")
        assert danish and english
        assert danish != text or text in {"7"}, f"no Danish for {text!r}"


def _holes(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_each_text_has_the_placeholders_its_pattern_captures() -> None:
    for pattern, (danish, english) in PATTERNS:
        groups = set(pattern.groupindex)
        assert _holes(danish) == groups, (pattern.pattern, danish)
        assert _holes(english) == groups, (pattern.pattern, english)
    for reason, (danish, english) in REASONS.items():
        assert danish.strip() and english.strip(), reason
        assert not _holes(danish) and not _holes(english), reason


def _pydantic_reasons(model: type[BaseModel], data: dict[str, object]) -> list[str]:
    try:
        model.model_validate(data)
    except ValidationError as err:
        return [e.reason for e in field_errors(err)]
    raise AssertionError(f"{model.__name__} took {data}")


# What our forms can send that pydantic refuses: too long, too short, out of range, not a
# number, not one of the choices, not a date or time, missing.
PYDANTIC_REFUSALS: list[tuple[type[BaseModel], dict[str, object]]] = [
    (FirstContactMade, {"hope_score": 11, "network_size": 3}),
    (FirstContactMade, {"hope_score": 0, "network_size": -1}),
    (FirstContactMade, {"hope_score": "mange", "network_size": "2.5"}),
    (FirstContactMade, {}),
    (OutcomeAnswers, {"hope_score_end": 3, "network_size_end": 101, "job_or_education": "x"}),
    (Goal, {"area": "hobby", "text": ""}),
    (Goal, {"area": "job", "text": "x" * 501}),
    (GoalReview, {"goal_id": "goal-1", "progress": "lots", "still_relevant": "maybe"}),
    (NetworkMeetingBooked, {"meeting_on": "4 May", "starts_at": "25:00"}),
    (NetworkMeetingBooked, {"meeting_on": "2026-13-01", "starts_at": "10", "place": "x" * 121}),
    (NetworkMeetingBooked, {"meeting_on": "2026-05-0", "starts_at": "10:3"}),
    (HandOver, {"peer_id": "not an id!", "reason": "x", "actor": {}}),
    (ConsentIn, {"scope": "everything", "method": "telepathy", "recorded_at": "yesterday"}),
]


@pytest.mark.parametrize(("model", "data"), PYDANTIC_REFUSALS)
def test_the_pydantic_messages_our_forms_trigger_are_in_the_catalog(
    model: type[BaseModel], data: dict[str, object]
) -> None:
    for reason in _pydantic_reasons(model, data):
        assert known(reason), f"{model.__name__}: {reason!r}"
        assert say(reason, "da") != reason, reason


def test_values_are_shown_by_their_labels_and_messages_keep_their_fields() -> None:
    assert say("the episode has ended (withdrawn)", "da") == (
        "forløbet er afsluttet (samtykke trukket tilbage)"
    )
    assert say("the task is already completed", "en") == "the task is already completed"
    assert say("the task is already completed", "da") == "opgaven er allerede udført"
    assert say("Input should be 'verbal', 'written' or 'digital'", "da") == (
        "Vælg en af: mundtligt, skriftligt eller digitalt"
    )
    assert say("String should have at most 500 characters", "da") == (
        "Teksten må højst have 500 tegn"
    )
    summary = (
        "invalid input: result.hope_score: Input should be less than or equal to 10; "
        "result.meeting_on: the date has passed; choose today or later"
    )
    assert say(summary, "da") == (
        "ugyldige oplysninger: result.hope_score: Værdien må højst være 10; "
        "result.meeting_on: datoen er passeret; vælg i dag eller senere"
    )
    assert say("event_id: no such event", "da") == "Formular: hændelsen findes ikke"
    assert say("Value error, CPR must be 10 digits", "da") == "CPR-nummeret skal være 10 cifre"
    unknown = "something only an integrator would see"
    assert say(unknown, "da") == unknown
    assert say(f"peer_id: {unknown}", "da") == f"peer_id: {unknown}"


# --- on the page ----------------------------------------------------------------------------


async def _network_meeting_card(open_as: OpenAs, db_pool: DatabasePool, roster: Roster) -> Page:
    """The ward's page with the network-meeting card: referred, the offer accepted, the
    coordination plan done."""
    ward = await open_as(roster.ward_nurse)
    episode_id = await refer(ward, roster, db_pool)
    peer = await open_as(roster.peers[0])
    await reload_until(peer, "text=Offer of an episode")
    await peer.get_by_role("button", name="Accept").click()
    await peer.get_by_text("Your decision has been recorded.").wait_for()
    await reload_until(ward, "li.card >> text=Coordination plan")
    plan = ward.locator("li.card", has_text="Coordination plan")
    await plan.get_by_role("button", name="Complete task").click()
    await ward.get_by_text("Your decision has been recorded.").wait_for()
    await open_task_of(db_pool, episode_id, "network_meeting")
    return ward


async def _book(ward: Page, task_id: str, day: str, lang: str) -> str:
    """Book the meeting on `day` from the ward page in `lang`; the reason shown next to the
    date (the page comes back refused)."""
    await ward.goto(f"/ward?lang={lang}")
    await reload_until(ward, f"#meeting_on-{task_id}")
    await without_browser_checks(ward)
    await ward.locator(f"#meeting_on-{task_id}").fill(day)
    async with ward.expect_navigation() as sent:
        await ward.locator(f"#task-{task_id} form[action$='/complete'] button[type=submit]").click()
    response = await sent.value
    assert response is not None and response.status == 422
    await ward.get_by_role("alert").wait_for()
    assert await ward.locator(f"#meeting_on-{task_id}").input_value() == day, "what was typed"
    return (await ward.locator(f"#err-meeting_on-{task_id}").inner_text()).strip()


async def test_a_refused_meeting_date_says_why_in_the_pages_language(
    open_as: OpenAs, db_pool: DatabasePool
) -> None:
    roster = await web_roster(db_pool, peers=1)
    ward = await _network_meeting_card(open_as, db_pool, roster)
    async with db_pool.acquire() as conn:
        task = await conn.fetchrow(
            "SELECT t.task_id, t.due_at FROM tasks t JOIN episodes e USING (episode_id)"
            " WHERE e.ward_id = $1 AND t.kind = 'network_meeting'",
            roster.ward_id,
        )
    assert task is not None
    task_id, deadline = task["task_id"], task["due_at"].astimezone(DANISH_TIME).date()
    yesterday = (datetime.now(DANISH_TIME).date() - timedelta(days=1)).isoformat()

    # A Danish page: the Danish reason by the date, and in the problem box.
    danish = await _book(ward, task_id, yesterday, "da")
    assert danish == "datoen er passeret; vælg i dag eller senere"
    alert = await ward.get_by_role("alert").inner_text()
    assert "datoen er passeret; vælg i dag eller senere" in alert
    assert "the date has passed" not in alert

    # After the deadline: the deadline put into the Danish text.
    late = (deadline + timedelta(days=1)).isoformat()
    danish = await _book(ward, task_id, late, "da")
    assert danish == (
        f"mødet skal holdes senest {deadline.isoformat()} "
        "(fem arbejdsdage efter koordinationsplanen)"
    )

    # An English page: the English reason.
    english = await _book(ward, task_id, yesterday, "en")
    assert english == "the date has passed; choose today or later"
    assert "datoen" not in await ward.get_by_role("alert").inner_text()
