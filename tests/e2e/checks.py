"""What every page must pass in the browser: no sideways scroll, no console error, no CSP
violation, and axe-core finding no serious or critical WCAG 2.1 A/AA violation.

``PageChecks.attach(page, folder)`` before the first navigation starts collecting; then
``assert_page_ok(page, "name")`` after each page a journey reaches checks everything seen
since the last call and keeps a full-page screenshot as ``folder/NN-name.png``. Attached
with ``defer=True``, a failed page is noted and the journey goes on, so one run names every
page that fails; ``assert_pages_ok(page)`` at the end fails with all of them.

axe is evaluated in the page through the DevTools protocol (``page.evaluate``), which the
page's Content-Security-Policy does not govern. ``page.add_script_tag`` would add an inline
``<script>`` the shop's CSP rightly refuses, and that refusal would itself be reported as a
violation; a ``bypass_csp`` context would hide the very violations these checks look for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from weakref import WeakKeyDictionary

from playwright.sync_api import ConsoleMessage, Error, Page, Response

HERE = Path(__file__).parent
AXE_SOURCE = (HERE.parent / "vendor" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")
CSP_LISTENER = HERE / "csp_listener.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = {"serious", "critical"}

_RUN_AXE = """async (tags) => {
  const results = await axe.run(document, {runOnly: {type: "tag", values: tags},
                                           resultTypes: ["violations"]});
  return results.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({target: n.target.join(" "), summary: n.failureSummary})),
  }));
}"""

# The deepest elements that stick out past the viewport's right edge, skipping those inside a
# box that scrolls or clips them (a .table-responsive is allowed to be wider inside).
_OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  const clipped = (el) => {
    for (let box = el.parentElement; box && box !== document.body; box = box.parentElement) {
      const overflow = getComputedStyle(box).overflowX;
      if (overflow !== "visible" && box.getBoundingClientRect().right <= width + 1) return true;
    }
    return false;
  };
  const wide = [...document.body.querySelectorAll("*")].filter(
    (el) => el.getBoundingClientRect().right > width + 1 && !clipped(el));
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + (el.dataset.testid ? `[data-testid=${el.dataset.testid}]` : "")
    + [...el.classList].map((c) => "." + c).join("");
  return wide.filter((el) => !wide.some((other) => other !== el && el.contains(other)))
    .slice(0, 6).map((el) => `${name(el)} (right edge ${Math.round(el.getBoundingClientRect().right)} px)`);
}"""

_attached: WeakKeyDictionary[Page, PageChecks] = WeakKeyDictionary()


@dataclass
class PageChecks:
    page: Page
    folder: Path
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    csp_violations: list[dict] = field(default_factory=list)
    document: Response | None = None
    shots: int = 0
    defer: bool = False
    failed_pages: list[str] = field(default_factory=list)

    @classmethod
    def attach(cls, page: Page, folder: Path, *, defer: bool = False) -> PageChecks:
        checks = cls(page, Path(folder), defer=defer)
        page.on("console", checks._on_console)
        page.on("pageerror", lambda error: checks.page_errors.append(str(error)))
        page.on("response", checks._on_response)
        page.expose_function("__storefrontCspViolation",
                             lambda violation: checks.csp_violations.append(violation))
        page.add_init_script(path=CSP_LISTENER)
        _attached[page] = checks
        return checks

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(f"{message.text} (at {message.location.get('url')})")

    def _on_response(self, response: Response) -> None:
        request = response.request
        if request.is_navigation_request() and request.frame == self.page.main_frame:
            self.document = response

    def problems(self, status: int) -> list[str]:
        page = self.page
        found = []
        if self.document is None or self.document.status != status:
            got = self.document.status if self.document else "no document"
            found.append(f"status {got}, expected {status}")
        elif status >= 400:
            # Chromium reports the document's own error status as a failed resource load.
            own = f"status of {status}"
            self.console_errors = [text for text in self.console_errors
                                   if not (own in text and text.endswith(f"(at {page.url})"))]
        scroll, inner = page.evaluate(
            "[document.documentElement.scrollWidth, window.innerWidth]")
        # A mobile viewport zooms out until a too-wide page fits, and innerWidth grows with
        # it (a 552 px table makes it 560): the width the device was given is the measure.
        viewport = page.viewport_size["width"]
        if scroll > min(inner, viewport):
            found.append(f"scrolls sideways: scrollWidth {scroll} > innerWidth {inner} "
                         f"(viewport {viewport}); wide: {page.evaluate(_OVERFLOWING)}")
        found += [f"console error: {text}" for text in self.console_errors]
        found += [f"page error: {text}" for text in self.page_errors]
        found += [f"CSP violation: {v['directive']} blocked {v['blocked'] or v['sample']!r} "
                  f"({v['source']}:{v['line']})" for v in self.csp_violations]
        found += [_describe(v) for v in self.axe_violations()
                  if v["impact"] in BLOCKING_IMPACTS]
        return found

    def axe_violations(self) -> list[dict]:
        if not self.page.evaluate("typeof window.axe !== 'undefined'"):
            self.page.evaluate(AXE_SOURCE)
        return self.page.evaluate(_RUN_AXE, AXE_TAGS)

    def check(self, name: str, status: int = 200) -> None:
        self.page.wait_for_load_state("load")
        self.shots += 1
        self.folder.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=self.folder / f"{self.shots:02d}-{name}.png", full_page=True)
        try:
            found = self.problems(status)
        finally:
            self.console_errors, self.page_errors, self.csp_violations = [], [], []
        if found:
            report = f"{name} ({self.page.url}):\n  " + "\n  ".join(found)
            if not self.defer:
                raise AssertionError(report)
            self.failed_pages.append(report)


def _describe(violation: dict) -> str:
    nodes = violation["nodes"]
    targets = "; ".join(node["target"] for node in nodes[:5])
    more = f" and {len(nodes) - 5} more" if len(nodes) > 5 else ""
    summary = (nodes[0]["summary"] or "").replace("\n", " ") if nodes else ""
    return (f"axe {violation['id']} ({violation['impact']}): {violation['help']} — "
            f"{targets}{more}. First: {summary}")


def _checks(page: Page) -> PageChecks:
    try:
        return _attached[page]
    except KeyError:
        raise AssertionError("PageChecks.attach(page, …) before navigating") from None


def assert_page_ok(page: Page, name: str, status: int = 200) -> None:
    """The page the browser shows now passes every check (see the module docstring)."""
    checks = _checks(page)
    try:
        checks.check(name, status)
    except Error as error:  # a navigation mid-check: report it as the page's failure
        raise AssertionError(f"{name}: could not check {page.url}: {error}") from error


def assert_pages_ok(page: Page) -> None:
    """Every page checked so far passed (for pages attached with ``defer=True``)."""
    checks = _checks(page)
    failed, checks.failed_pages = checks.failed_pages, []
    assert not failed, f"{len(failed)} page(s) failed the checks:\n" + "\n".join(failed)
