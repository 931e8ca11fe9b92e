"""axe-core, injected into a page that Playwright has open: `assert_accessible(page)`
fails on any serious or critical violation and says which rule, where.

axe-core comes from the npm registry, pinned in tests/package.json and
tests/package-lock.json, and is installed into tests/node_modules (git-ignored)
by scripts/test-services.sh, which `make test` runs first. Without it the
check skips, or fails when REQUIRE_SERVICES=1 (CI), where a missing checker
must not pass silently.

The script is evaluated through the browser's debugging protocol, which the
page's Content-Security-Policy does not govern: the page under test keeps its
real policy, and nothing is added to what it loads.

Any test with a Playwright page can use it (the organisers' workspace too):

    from .accessibility import assert_accessible

    page.goto(url)
    assert_accessible(page)
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path

import pytest

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
PINNED = json.loads((AXE.parents[2] / "package.json").read_text())["devDependencies"]["axe-core"]
# What fails a page; axe's other impacts ("moderate", "minor") are reported by
# violations() for whoever asks.
BLOCKING = frozenset({"serious", "critical"})

__all__ = ["BLOCKING", "assert_accessible", "dangling_references", "violations"]


@cache
def axe_source() -> str:
    """The pinned axe-core's script, or a skip (a failure under REQUIRE_SERVICES=1)."""
    installed = AXE.parent / "package.json"
    version = json.loads(installed.read_text())["version"] if installed.exists() else None
    if version != PINNED:
        reason = (
            f"the accessibility checks need axe-core {PINNED} in {AXE.parent} "
            f"(found {version or 'none'}): run scripts/test-services.sh, or "
            "npm ci --prefix tests"
        )
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(reason + "; REQUIRE_SERVICES=1 makes this an error")
        pytest.skip(reason)
    return AXE.read_text()


def violations(page, impacts: frozenset[str] = BLOCKING) -> list[dict]:
    """axe's violations on the page as it is now, of the given impacts."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    results = page.evaluate(
        """() => axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations)"""
    )
    return [found for found in results if found["impact"] in impacts]


def describe(found: list[dict]) -> str:
    lines = []
    for violation in found:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {' '.join(map(str, node['target']))}: {node['html'][:160]}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"      {summary[:300]}")
    return "\n".join(lines)


# axe only asks for a review ("incomplete") when an id an attribute names is
# not in the page, since a script might add it later; our pages add none, so a
# reference to nothing is a field whose description or label is lost.
DANGLING = """() => {
    const named = ["aria-describedby", "aria-labelledby", "aria-controls", "aria-owns",
                   "aria-errormessage", "aria-details", "aria-flowto", "aria-activedescendant"];
    const lost = [];
    for (const element of document.querySelectorAll(named.map(a => `[${a}]`).join(","))) {
        for (const attribute of named) {
            for (const id of (element.getAttribute(attribute) || "").split(/\\s+/)) {
                if (id && !document.getElementById(id)) lost.push(`${attribute}="${id}"`);
            }
        }
    }
    for (const label of document.querySelectorAll("label[for]")) {
        if (!document.getElementById(label.htmlFor)) lost.push(`label for="${label.htmlFor}"`);
    }
    for (const link of document.querySelectorAll('a[href^="#"]')) {
        const id = decodeURIComponent(link.getAttribute("href").slice(1));
        if (id && !document.getElementById(id)) lost.push(`a href="#${id}"`);
    }
    return lost;
}"""


def dangling_references(page) -> list[str]:
    """Attributes and in-page links that name an id no element of the page has."""
    return page.evaluate(DANGLING)


def assert_accessible(page, impacts: frozenset[str] = BLOCKING) -> None:
    """No violation of these impacts (serious and critical by default) on the
    page as it is now, and no label, description or in-page link that points
    at nothing."""
    found = violations(page, impacts)
    assert found == [], f"axe-core {PINNED} on {page.url}:\n{describe(found)}"
    lost = dangling_references(page)
    assert lost == [], f"on {page.url}, these name no element of the page: {lost}"
