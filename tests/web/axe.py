"""WCAG 2.1 AA checked with axe-core in the page the browser shows.

axe-core comes from npm at the version the Makefile pins (`make axe`, which `make test` runs).
It goes in through the DevTools protocol (page.evaluate), which the site's Content-Security-Policy
does not govern, so the page is checked exactly as it is served."""

from __future__ import annotations

from functools import cache

from playwright.async_api import Page
from pydantic import BaseModel, ConfigDict, Field

from hverdagsbro.settings import PROJECT_ROOT

AXE_JS = PROJECT_ROOT / "tests" / "web" / "vendor" / "axe.min.js"
# WCAG 2.0 and 2.1, levels A and AA.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = frozenset({"serious", "critical"})


class _Node(BaseModel):
    model_config = ConfigDict(extra="ignore")
    target: list[str | list[str]]
    failure: str = Field("", alias="failureSummary")

    def describe(self) -> str:
        """The element's selector (through iframes and shadow roots) and what axe saw."""
        where = " ".join(
            part if isinstance(part, str) else " >> ".join(part) for part in self.target
        )
        # "Fix any of the following:\n  Element has insufficient color contrast of ..."
        seen = " ".join(line.strip() for line in self.failure.splitlines()[1:2])
        return f"{where} ({seen})" if seen else where


class Violation(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: str
    impact: str | None = None
    help: str
    nodes: list[_Node]

    def describe(self) -> str:
        elements = "".join(f"\n      {node.describe()}" for node in self.nodes)
        return f"{self.id} ({self.impact}): {self.help}{elements}"


class _Results(BaseModel):
    model_config = ConfigDict(extra="ignore")
    violations: list[Violation]


@cache
def _axe_source() -> str:
    if not AXE_JS.exists():
        raise RuntimeError(
            f"no {AXE_JS.relative_to(PROJECT_ROOT)}: run 'make axe' (needs npm) to fetch the"
            " pinned axe-core the accessibility checks use"
        )
    return AXE_JS.read_text(encoding="utf-8")


async def violations(page: Page) -> list[Violation]:
    """Every WCAG 2.0/2.1 A and AA violation axe finds on the page as it is now."""
    if not await page.evaluate("typeof window.axe === 'object'"):
        await page.evaluate(_axe_source())
    raw = await page.evaluate(
        """tags => window.axe.run(document, {
            runOnly: {type: 'tag', values: tags},
            resultTypes: ['violations'],
        })""",
        WCAG_TAGS,
    )
    return _Results.model_validate(raw).violations


async def assert_accessible(page: Page, *, context: str) -> None:
    """Fails naming each serious or critical violation: rule, impact and the elements."""
    found = [v for v in await violations(page) if v.impact in FAILING_IMPACTS]
    if found:
        listed = "\n".join(f"  - {v.describe()}" for v in found)
        raise AssertionError(f"accessibility violations on {context} ({page.url}):\n{listed}")
