"""The HTML report (``--html DIR``), rendered from real runs in a real headless Chromium, and the
README's measured tables, kept true by ``asyncconf readme``.

Without Chromium the browser tests are skipped with the install command -- never passed; in CI
(``CI=true``), where ``.ci/run`` installs it, they fail instead.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner

from asyncconf import report
from asyncconf.cli import main
from asyncconf.engine import Engine, Run, compare_languages
from asyncconf.html import readme, sources, timeline
from asyncconf.html.browser import INSTALL, Browser, find_chromium
from asyncconf.html.site import plan_in_words, run_id, write_site
from asyncconf.paths import ROOT
from asyncconf.pytest_plugin import RunsOf, skip_or_fail
from asyncconf.spec import LANGUAGES, load_spec

PATTERNS = load_spec()
[RETRY] = [p for p in PATTERNS if p.id == "retry-backoff"]
ARTEFACTS = ROOT / "reports" / "screenshots"  # git-ignored; docs/ keeps one copy of each for the README


def chromium() -> str:
    """The browser, or a skip naming the install command -- a failure in CI, which installs it."""
    found = find_chromium()
    if found:
        return found
    message = f"Chromium is not installed; install it with: {INSTALL}"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message} (.ci/run installs it: in CI its absence is a failure, not a skip)")
    pytest.skip(message)


# -- the report of a real run -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def python_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """``asyncconf run --lang python --pattern retry-backoff --json run.json --html site/``."""
    folder = tmp_path_factory.mktemp("report")
    run_json, site = folder / "run.json", folder / "site"
    args = ["run", "--lang", "python", "--pattern", RETRY.id, "--json", str(run_json), "--html", str(site)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return run_json, site


def test_run_html_and_report_html_write_the_same_site(python_run: tuple[Path, Path], tmp_path: Path) -> None:
    run_json, site = python_run
    result = CliRunner().invoke(main, ["report", str(run_json), "--html", str(tmp_path)])
    assert result.exit_code == 0, result.output
    written = sorted(path.name for path in site.iterdir())
    assert written == sorted(["index.html", f"{RETRY.id}.html", "report.css"])
    assert written == sorted(path.name for path in tmp_path.iterdir())
    for name in written:
        assert (tmp_path / name).read_text() == (site / name).read_text(), name
    # asyncconf run stopped each anti-pattern at its rejection: the page's "Passes" are not all it passes.
    assert "ran on a lane only until a scenario rejected it" in (site / f"{RETRY.id}.html").read_text()


def test_the_site_says_the_runs_own_verdict(tmp_path: Path) -> None:
    """A required language that did not run makes the run NOT OK; its records alone cannot say
    so, and the site, made again from them, said OK."""
    passed = Run(RETRY.id, RETRY.scenarios[0].id, "python", "inprocess", "reference", "pass")
    skipped = Run(RETRY.id, RETRY.scenarios[0].id, "csharp", "subprocess", "reference", "skip", "no dotnet")
    runs = [passed, replace(skipped, skip_cause="unavailable")]
    summary = report.summarize(runs, required=["csharp"])
    assert summary["ok"] is False
    write_site(tmp_path, runs, {"clock": "virtual"}, summary=summary)
    index = (tmp_path / "index.html").read_text()
    assert "<h1>NOT OK</h1>" in index and "required but did not run" in index


def test_every_answer_has_a_timeline_lane_holding_its_events(python_run: tuple[Path, Path]) -> None:
    run_json, site = python_run
    runs, _summary, _meta = report.read_json(run_json)
    page = (site / f"{RETRY.id}.html").read_text()
    lanes = dict(re.findall(r'data-run="([^"]+)" data-events="(\d+)"', page))
    answered = [r for r in runs if r.check == "spec" and r.impl == "reference" and r.answer]
    assert answered
    for run in answered:
        assert lanes.get(run_id(run)) == str(len(run.answer["trace"])), run_id(run)  # type: ignore[index]
    for scenario in RETRY.scenarios:
        assert f'id="s-{scenario.id}"' in page


def _page_facts(browser: Browser, page: Path) -> dict[str, Any]:
    problems = browser.load(page.as_uri())
    facts = browser.evaluate(
        """({
          ids: [...document.querySelectorAll('[id]')].map(e => e.id),
          links: [...document.querySelectorAll('a[href]')].map(a => a.href),
          stylesheets: [...document.styleSheets].map(s => s.cssRules.length),
          lanes: [...document.querySelectorAll('svg.timeline g.lane[data-run]')].filter(g => g.dataset.run).map(g => ({
            run: g.dataset.run, events: +g.dataset.events, drawn: +g.dataset.drawn,
            height: g.getBoundingClientRect().height,
            seen: [...g.querySelectorAll('.ev')].map(e => [+e.dataset.t, e.dataset.ev, e.dataset.key, +e.dataset.n]),
          })),
        })"""
    )
    return {"problems": problems, **facts}


def _check_site(
    browser: Browser, site: Path, runs: list[Run], screenshots: dict[str, tuple[Path, int]] | None = None
) -> dict[str, dict[str, Any]]:
    """Every page loads cleanly, every link resolves, every answer's lane draws its trace's events.
    ``screenshots``: page name -> (PNG, height in pixels), taken while the page is loaded."""
    pages = {}
    for page in sorted(site.glob("*.html")):
        pages[page.name] = _page_facts(browser, page)
        if screenshots and page.name in screenshots:
            shot, height = screenshots[page.name]
            browser.screenshot(shot, height=height)
    for name, facts in pages.items():
        assert facts["problems"] == [], f"{name}: {facts['problems']}"
        assert facts["stylesheets"] and facts["stylesheets"][0] > 50, f"{name}: report.css did not load"
        for link in facts["links"]:
            parts = urlsplit(link)
            assert parts.scheme == "file", f"{name}: a link leaves the report: {link}"
            target = Path(unquote(parts.path))
            assert target.is_file(), f"{name}: broken link {link}"
            if parts.fragment:
                assert parts.fragment in pages[target.name]["ids"], f"{name}: no #{parts.fragment} in {target.name}"
    lanes = {lane["run"]: lane for facts in pages.values() for lane in facts["lanes"]}
    answered = {run_id(r): r for r in runs if r.check == "spec" and r.answer is not None}
    references = [key for key, r in answered.items() if r.impl == "reference"]
    assert references, "no answer to draw"
    assert not set(references) - set(lanes), f"answers without a timeline lane: {set(references) - set(lanes)}"
    skipped = {run_id(r) for r in runs if r.check == "spec" and r.status == "skip"}
    for key, lane in lanes.items():  # the references' lanes, and the anti-patterns' where a scenario caught them
        if key in skipped:  # a run the spec does not make in its language (not_in): a lane saying so, nothing drawn
            assert lane["events"] == 0, key
            continue
        trace = answered[key].answer["trace"]  # type: ignore[index]
        assert lane["height"] > 0, f"{key}: its lane is not rendered"
        assert lane["events"] == len(trace) and lane["drawn"] == min(len(trace), timeline.MAX_EVENTS), key
        expected = Counter((e["t"], e["ev"], e["key"], e["n"]) for e in trace[: timeline.MAX_EVENTS])
        assert Counter(tuple(event) for event in lane["seen"]) == expected, f"{key}: the lane does not draw its trace"
    return pages


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with Browser(chromium()) as opened:
        yield opened


def test_every_page_renders_in_chromium_and_screenshots_are_saved(
    python_run: tuple[Path, Path], browser: Browser
) -> None:
    run_json, site = python_run
    runs, _summary, _meta = report.read_json(run_json)
    shots = {"index.html": (ARTEFACTS / "index.png", 900), f"{RETRY.id}.html": (ARTEFACTS / f"{RETRY.id}.png", 1800)}
    pages = _check_site(browser, site, runs, shots)
    assert {f"s-{s.id}" for s in RETRY.scenarios} <= set(pages[f"{RETRY.id}.html"]["ids"])
    assert set(RETRY.rules) <= set(pages[f"{RETRY.id}.html"]["ids"])
    for shot, _height in shots.values():
        data = shot.read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000, shot


def test_a_failing_run_stands_out_on_the_index(python_run: tuple[Path, Path], tmp_path: Path, browser: Browser) -> None:
    runs, _summary, meta = report.read_json(python_run[0])
    broken = next(r for r in runs if r.impl == "reference" and r.check == "spec" and r.answer)
    broken.status, broken.reason = "fail", "elapsed_ms: expected 1, saw 2"
    write_site(tmp_path, runs, meta)
    assert browser.load((tmp_path / "index.html").as_uri()) == []
    facts = browser.evaluate(
        """({verdict: document.querySelector('#verdict h1').textContent,
             bad: [...document.querySelectorAll('table.matrix td.bad a')].map(a => a.getAttribute('href')),
             problems: [...document.querySelectorAll('#problems li')].map(li => li.textContent)})"""
    )
    assert facts["verdict"] == "NOT OK"
    assert facts["bad"] == [f"{RETRY.id}.html#s-{broken.scenario}"]
    assert any(broken.reason in text for text in facts["problems"])


def test_a_run_that_passed_on_a_second_try_says_so_on_its_scenario(
    python_run: tuple[Path, Path], tmp_path: Path
) -> None:
    runs, _summary, meta = report.read_json(python_run[0])
    retried = next(r for r in runs if r.impl == "reference" and r.check == "spec" and r.answer)
    retried.first_try = "blocked_ms: expected under 50, saw 64 (blocked the event loop for 64 ms)"
    write_site(tmp_path, runs, meta)
    page = (tmp_path / f"{RETRY.id}.html").read_text()
    assert f"{retried.column}: passed on a second try; the first failed blocked_ms: expected under 50, saw 64" in page


def test_without_chromium_the_test_skips_with_the_install_command_or_fails_in_ci(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ASYNCCONF_CHROMIUM", "/nonexistent/chromium")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=re.escape(INSTALL)):
        chromium()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="not a skip"):
        chromium()


# -- every language at once: the runs the spec items make anyway ---------------------------------------------


def _all_runs(engine: Engine, runs_of: RunsOf, patterns: list[Any]) -> list[Run]:
    """The runs of ``asyncconf run`` (every language, reference and anti-patterns), from the session's cache."""
    for lang in LANGUAGES:
        session = engine.session(lang)
        if session.skip_reason or session.error:
            skip_or_fail(lang, session.skip_reason or str(session.error))
    jobs = [
        (scenario, lang, impl)
        for lang in LANGUAGES
        for pattern in patterns
        for impl in engine.implementations(pattern, lang, "all")
        for scenario in pattern.scenarios
    ]
    made = [run for runs in runs_of(jobs, until_rejected=True) for run in runs]
    return made + list(compare_languages(made))


def test_every_language_side_by_side_in_chromium(
    asyncconf_engine: Engine, asyncconf_runs_of: RunsOf, browser: Browser, tmp_path: Path
) -> None:
    if asyncconf_engine.langs != list(LANGUAGES):
        pytest.skip(f"this session runs {','.join(asyncconf_engine.langs)}, not every language")
    runs = _all_runs(asyncconf_engine, asyncconf_runs_of, [RETRY])
    write_site(tmp_path, runs, {"clock": "virtual", "impl": "all"})
    pages = _check_site(browser, tmp_path, runs)
    drawn = {lane["run"].split("/")[2] for lane in pages[f"{RETRY.id}.html"]["lanes"]}
    assert drawn == set(LANGUAGES)


def test_the_readmes_matrix_is_a_fresh_runs(asyncconf_engine: Engine, asyncconf_runs_of: RunsOf) -> None:
    if asyncconf_engine.langs != list(LANGUAGES):
        pytest.skip(f"the README's matrix is of every language; this session runs {','.join(asyncconf_engine.langs)}")
    runs = _all_runs(asyncconf_engine, asyncconf_runs_of, PATTERNS)
    differences = readme.matrix_differences((ROOT / "README.md").read_text(encoding="utf-8"), runs)
    assert differences == [], "run `asyncconf readme` to rewrite it:\n" + "\n".join(differences)


# -- the parts ---------------------------------------------------------------------------------------------


def test_the_readme_has_its_generated_blocks_and_the_screenshots_it_links() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in readme.BLOCKS:
        assert readme.table_cells(readme.block(text, name)), f"no table between the {name} markers"
    linked = re.findall(r"\]\((docs/[^)]+\.png)\)", text)
    assert linked and all((ROOT / path).is_file() for path in linked), linked


def test_a_block_is_rewritten_between_its_markers_only() -> None:
    begin, end = readme.markers("matrix")
    text = f"intro\n{begin}\nold | table\n{end}\noutro\n"
    rewritten = readme.replace_block(text, "matrix", "| a | b |\n|---|---|\n| x | 1 |")
    assert rewritten == f"intro\n{begin}\n| a | b |\n|---|---|\n| x | 1 |\n{end}\noutro\n"
    assert readme.replace_block(rewritten, "matrix", "| a | b |\n|---|---|\n| x | 1 |") == rewritten
    assert readme.table_cells(readme.block(rewritten, "matrix")) == {("x", "b"): "1"}
    with pytest.raises(readme.ReadmeError, match="exactly one"):
        readme.block("no markers", "matrix")


def test_every_reference_and_antipattern_is_found_where_the_readme_says() -> None:
    for pattern in PATTERNS:
        files = sources.reference_files(pattern.id)
        assert all(files[lang] for lang in LANGUAGES), f"{pattern.id}: {files}"
        for anti in pattern.antipatterns:
            for lang in anti.langs:
                code = sources.antipattern_code(pattern.id, anti.id, lang, "x")
                assert not code.note and code.lines, f"{pattern.id}:{anti.id} [{lang}]: {code.note}"


def test_list_shows_the_paths_of_spec_references_and_antipatterns() -> None:
    result = CliRunner().invoke(main, ["list"])
    assert result.exit_code == 0, result.output
    for pattern in PATTERNS:
        assert f"spec: spec/patterns/{pattern.id}.yaml" in result.output
        for lang in LANGUAGES:
            path = sources.antipattern_file(pattern.id, lang)
            assert sources.relative(path) in result.output and path.is_file()
        assert sources.relative(sources.reference_files(pattern.id)["python"][0]) in result.output


def test_rule_citations_and_ranges() -> None:
    rules = [f"R{n}" for n in range(1, 11)]
    assert sources.cited_rules("(R6, R7)", rules) == ["R6", "R7"]
    assert sources.cited_rules("See the guarantees (R1-R3).", rules) == ["R1", "R2", "R3"]
    assert sources.cited_rules("R10 and R1", rules) == ["R10", "R1"]
    assert sources.cited_rules("R12, RR2, XR3, R2x", rules) == []


def test_every_scenarios_plan_is_told_in_words() -> None:
    for pattern in PATTERNS:
        for scenario in pattern.scenarios:
            words = " ".join(plan_in_words(scenario))
            for key in scenario.plan:
                assert ("any other key" if key == "*" else f"`{key}`") in words, scenario.name
            assert (f"cancels at {scenario.cancel_at_ms} ms" in words) == (scenario.cancel_at_ms is not None)


def test_a_timeline_draws_every_event_on_one_axis() -> None:
    trace = [
        {"t": 0, "ev": "open", "key": "conn", "n": 1},
        {"t": 0, "ev": "call", "key": "op", "n": 1},
        {"t": 10, "ev": "fail", "key": "op", "n": 1, "kind": "transient"},
        {"t": 110, "ev": "call", "key": "op", "n": 2},
        {"t": 150, "ev": "cancel", "key": "op", "n": 2},
        {"t": 155, "ev": "close", "key": "conn", "n": 1},
    ]
    lanes = [
        timeline.Lane("python", trace=trace, elapsed_ms=155, outcome={"fail": "cancelled"}, status="pass", run="r"),
        timeline.Lane("javascript", trace=trace[:2], elapsed_ms=None, outcome={"unfinished": True}, status="fail"),
    ]
    svg = ElementTree.fromstring(str(timeline.render(lanes, cancel_at_ms=150, title="t")))
    ns = {"s": "http://www.w3.org/2000/svg"}
    python, javascript = svg.findall("s:g[@class]", ns)[:2]
    drawn = python.findall(".//*[@data-ev]", ns)
    assert Counter((int(e.get("data-t", -1)), e.get("data-ev")) for e in drawn) == Counter(
        (e["t"], e["ev"]) for e in trace
    )
    x = {(e.get("data-ev"), e.get("data-n")): float(e.get("x1") or e.get("x") or 0) for e in drawn}
    assert x[("call", "1")] < x[("call", "2")] < x[("cancel", "2")]  # one axis, left to right
    assert javascript.get("data-drawn") == "2" and "never settled" in ElementTree.tostring(javascript, "unicode")
    assert svg.find("s:g[@class='caller-cancel']", ns) is not None
    runaway = [{"t": n, "ev": "call", "key": "op", "n": n} for n in range(1, timeline.MAX_EVENTS + 50)]
    cut = ElementTree.fromstring(str(timeline.render([timeline.Lane("x", trace=runaway)], cancel_at_ms=None, title="")))
    lane = cut.find("s:g[@data-events]", ns)
    assert lane is not None and lane.get("data-drawn") == str(timeline.MAX_EVENTS)
    assert "49 more events not drawn" in ElementTree.tostring(cut, "unicode")


def test_the_bench_block_is_a_table_of_the_measured_rows() -> None:
    from asyncconf.bench import BenchRow, MatrixTiming

    rows = [
        BenchRow("python", "inprocess", 0.1, 3, 0.2, 1200, 6.0, "x/long", 1000, 0.4),
        BenchRow("csharp", "subprocess", 2.5, 3, 0.6, 1200, 12.0, "x/long", 1000, 8.0),
    ]
    text = readme.bench_block(rows, MatrixTiming(40, 4.5, True), date="2026-01-02", repeats=5)
    cells = readme.table_cells(text)
    assert cells[("python/inprocess", "virtual : wall, all scenarios")] == "1200 ms : 6 ms = 200x"
    assert cells[("csharp/subprocess", "ready (s)")] == "2.50"
    assert "40 runs in 4.50 s" in text and "NOT OK" not in text and "`x/long`, covers 1 s of delays" in text
    assert "NOT OK" in readme.bench_block(rows, MatrixTiming(40, 4.5, False), date="d", repeats=5)


def test_the_browser_checks_can_fail(python_run: tuple[Path, Path], browser: Browser, tmp_path: Path) -> None:
    """A console error, a missing file, a broken link or anchor, a lane short of an event: each is caught."""
    page = tmp_path / "bad.html"
    page.write_text('<link rel="stylesheet" href="missing.css"><script>console.error("boom")</script>')
    problems = " ".join(browser.load(page.as_uri()))
    assert "console.error: boom" in problems and "missing.css" in problems
    run_json, site = python_run
    runs, _summary, _meta = report.read_json(run_json)
    pattern_page = f"{RETRY.id}.html"
    original = (site / pattern_page).read_text()
    broken = {
        "broken link": original.replace('href="index.html"', 'href="nowhere.html"', 1),
        "no #R99": original.replace('href="#R1"', 'href="#R99"', 1),
        "the lane does not draw its trace": re.sub(
            r'<circle class="ev ev-ok"[^>]*>.*?</circle>', "", original, count=1
        ),
    }
    for expected, text in broken.items():
        copy = tmp_path / re.sub(r"\W+", "-", expected)
        copy.mkdir()
        for name in ("index.html", "report.css"):
            (copy / name).write_text((site / name).read_text())
        (copy / pattern_page).write_text(text)
        with pytest.raises(AssertionError, match=expected):
            _check_site(browser, copy, runs)


def test_a_cell_is_green_only_when_every_run_in_it_passed_or_rejected() -> None:
    """A candidate of `0/0 pass, 24 n/a`, or a column whose anti-pattern was never judged
    (`-; anti 0/1 (1 skipped)`), was painted `ok` on a NOT OK run: n/a and skips are no pass."""
    from asyncconf.html.site import cell_class

    assert cell_class("24/24 pass; anti 11/11") == "ok"
    for text in (
        "0/0 pass, 24 n/a",
        "-; anti 0/1 (1 skipped)",
        "23/24 pass, 1 skip",
        "15/15 pass; anti 3/4 (1 skipped)",
        "-",
        "",
    ):
        assert cell_class(text) == "skip", text
    for text in ("3/4 pass, 1 FAIL", "-; anti 0/1 (1 MISSED)", "DIFFERS (2)"):
        assert cell_class(text) == "bad", text
