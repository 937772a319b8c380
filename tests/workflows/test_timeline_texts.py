"""Every timeline line the workflows write has its key in the catalog, in Danish and English
with the same placeholders, and every param it passes is a placeholder of that text."""

from __future__ import annotations

import ast
from dataclasses import dataclass

import pytest

from api.web import labels
from api.web.timeline_lines import param_text
from hverdagsbro.settings import PROJECT_ROOT
from schemas import timeline_texts
from schemas.timeline_texts import PARAM_GROUPS, TIMELINE_TEXTS, TIMELINE_VALUES, placeholders

WORKFLOWS = PROJECT_ROOT / "workflows"


@dataclass(frozen=True)
class Call:
    where: str
    keys: tuple[str, ...]
    params: tuple[str, ...] | None  # None: not a dict literal


def _strings(node: ast.expr) -> list[str] | None:
    """The string constants a key argument can be (a literal or `a if x else b`)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        body, orelse = _strings(node.body), _strings(node.orelse)
        return None if body is None or orelse is None else body + orelse
    return None


def timeline_calls() -> list[Call]:
    calls = []
    for path in sorted(WORKFLOWS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "timeline"
            ):
                continue
            where = f"{path.name}:{node.lineno}"
            if len(node.args) != 2:
                raise AssertionError(f"{where}: timeline(kind, key, ...) takes two positionals")
            keys = _strings(node.args[1])
            assert keys is not None, f"{where}: the key must be a string literal"
            params: tuple[str, ...] | None = ()
            for keyword in node.keywords:
                if keyword.arg == "params":
                    value = keyword.value
                    if isinstance(value, ast.Dict) and all(
                        isinstance(k, ast.Constant) for k in value.keys
                    ):
                        params = tuple(
                            str(k.value) for k in value.keys if isinstance(k, ast.Constant)
                        )
                    else:
                        params = None
            calls.append(Call(where, tuple(keys), params))
    return calls


CALLS = timeline_calls()


def test_the_scan_finds_the_workflows_timeline_lines() -> None:
    assert len(CALLS) >= 30
    assert any("timeline.decision" in c.keys for c in CALLS)


@pytest.mark.parametrize("call", CALLS, ids=lambda c: c.where)
def test_every_key_used_is_in_the_catalog_with_the_params_it_names(call: Call) -> None:
    for key in call.keys:
        assert key in TIMELINE_TEXTS, f"{call.where}: {key} is not in schemas/timeline_texts.py"
        da, _ = TIMELINE_TEXTS[key]
        names = {name for name, _ in placeholders(da)}
        if call.params is not None:
            given = {p for p in call.params if not p.endswith("_da")}
            assert given == names, f"{call.where}: {key} takes {names}, is given {given}"


@pytest.mark.parametrize("key", sorted(TIMELINE_TEXTS))
def test_danish_and_english_name_the_same_placeholders(key: str) -> None:
    da, en = TIMELINE_TEXTS[key]
    assert da.strip() and en.strip() and da != "" and en != ""
    names_da = {name for name, _ in placeholders(da)}
    names_en = {name for name, _ in placeholders(en)}
    assert names_da == names_en, key
    specs = {spec for _, spec in placeholders(da) | placeholders(en)}
    assert specs <= set(timeline_texts.SPECS), key
    assert key.startswith("timeline."), key
    assert labels.TEXTS[key] == (da, en), "merged into the page catalog"


def test_every_line_in_the_catalog_is_written_somewhere() -> None:
    used = {key for call in CALLS for key in call.keys}
    assert set(TIMELINE_TEXTS) - used == set()


def test_every_param_group_has_its_values_in_both_languages() -> None:
    for group in set(PARAM_GROUPS.values()):
        assert group in labels.VALUES or group in TIMELINE_VALUES, group
    for group, values in TIMELINE_VALUES.items():
        for code, (da, en) in values.items():
            assert da and en, (group, code)


def test_reasons_the_workflows_close_tasks_and_end_episodes_with_are_in_danish_too() -> None:
    """close_task(task, status, "why") and end_now(phase, "why") with a literal reason."""
    reasons = TIMELINE_VALUES["reason"]
    for path in sorted(WORKFLOWS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("close_task", "end_now")
                and node.args
                and isinstance(last := node.args[-1], ast.Constant)
                and isinstance(last.value, str)
            ):
                assert last.value in reasons, f"{path.name}:{node.lineno}: {last.value}"


def test_a_line_reads_in_each_language_and_the_stored_summary_in_plain_english() -> None:
    params = {"task": "discharge_agreement", "status": "completed"}
    assert timeline_texts.english("timeline.decision", params) == ("Discharge agreement: completed")

    def shown(lang: str) -> str:
        return timeline_texts.line(
            "timeline.decision", params, lang, lambda n, v: param_text(n, v, lang)
        )

    assert shown("da") == "Udskrivningsaftale: udført"
    assert shown("en") == "Discharge agreement: completed"
    referred = {"programme": "Recovery college", "programme_da": "Recovery-skole"}
    assert timeline_texts.english("timeline.referred", referred) == "Referred to Recovery college"
    assert (
        timeline_texts.line("timeline.referred", referred, "da", lambda n, v: v)
        == "Henvist til Recovery-skole"
    )
    # An abbreviation keeps its capitals where a line lowers the first letter.
    assert timeline_texts.line("timeline.phase", {"phase": "IPS"}, "da", lambda n, v: v) == (
        "Fase: IPS"
    )
