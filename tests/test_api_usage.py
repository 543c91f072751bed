"""The API-usage lint (asyncconf.api_usage): every async API a reference uses is listed in its
pattern's `api:`, and every listed one is used -- and removing any listed entry makes it fail."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from click.testing import CliRunner

from asyncconf import api_usage, cli
from asyncconf.api_usage import RELIED_ON, Usage, scan, unlisted_apis
from asyncconf.spec import Api, Pattern, Problem, load_spec

PATTERNS = load_spec()


def without(pattern: Pattern, lang: str, name: str) -> Pattern:
    api = dict(pattern.api)
    api[lang] = tuple(entry for entry in api[lang] if entry.name != name)
    return dataclasses.replace(pattern, api=api)


def test_every_reference_lists_exactly_the_async_apis_it_uses() -> None:
    assert [str(problem) for problem in unlisted_apis(PATTERNS)] == []


LISTED = [
    pytest.param(pattern, lang, api.name, id=f"{pattern.id}:{lang}:{api.name}")
    for pattern in PATTERNS
    for lang, apis in pattern.api.items()
    for api in apis
    if (pattern.id, lang, api.name) not in RELIED_ON
]


@pytest.mark.parametrize(("pattern", "lang", "name"), LISTED)
def test_removing_a_listed_api_fails_naming_the_file_the_api_and_the_pattern(
    pattern: Pattern, lang: str, name: str
) -> None:
    problems = unlisted_apis([without(pattern, lang, name)])
    assert problems, f"{name} is listed but the lint cannot see its use"
    member = api_usage.member(name)
    for problem in problems:
        assert problem.line > 0
        assert f"{pattern.id} ({lang}) uses " in problem.message
        assert f"under api.{lang} in spec/patterns/{pattern.id}.yaml" in problem.message
    assert any(member in problem.message or member.rsplit(".", 1)[-1] in problem.message for problem in problems)
    folder = {"python": "python/asyncpatterns", "javascript": "javascript/src", "csharp": "csharp/AsyncPatterns"}[lang]
    assert all(str(problem.file).startswith(folder) for problem in problems)


def test_a_listed_api_the_reference_does_not_use_is_reported_at_its_spec_line() -> None:
    timeout = next(p for p in PATTERNS if p.id == "timeout")
    stale = dataclasses.replace(
        timeout, api={**timeout.api, "python": (*timeout.api["python"], Api("asyncio.wait_for", "3.4"))}
    )
    [problem] = unlisted_apis([stale])
    assert problem.file == Path("spec/patterns/timeout.yaml")
    assert "api.python lists asyncio.wait_for, which the python reference of timeout does not use" in problem.message


def test_what_is_relied_on_without_being_named_is_listed_and_explained() -> None:
    for (pattern_id, lang, name), why in RELIED_ON.items():
        pattern = next(p for p in PATTERNS if p.id == pattern_id)
        assert name in [api.name for api in pattern.api[lang]]
        assert why


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def apis(usages: list[Usage]) -> list[tuple[int, str]]:
    return sorted((usage.line, usage.apis[0]) for usage in usages)


def test_python_scan_resolves_modules_imports_builtins_and_methods(tmp_path: Path) -> None:
    source = write(
        tmp_path,
        "p.py",
        '''"""asyncio.wait_for in a docstring is not a use."""
import asyncio
import contextlib
from asyncio import TaskGroup as Group

async def f(xs):
    async with asyncio.timeout(1) as scope, Group() as group:  # asyncio.sleep in a comment
        group.create_task(anext(aiter(xs)))
    with contextlib.suppress(KeyError):  # not an async API
        pass
    try:
        pass
    except* ValueError:
        pass
    return scope.expired()
''',
    )
    assert apis(scan(source, "python")) == [
        (7, "asyncio.TaskGroup"),  # imported as Group: the import itself is no use
        (7, "asyncio.timeout"),
        (8, "asyncio.TaskGroup.create_task"),
        (8, "builtins.aiter"),
        (8, "builtins.anext"),
        (11, "builtins.BaseExceptionGroup"),
        (15, "asyncio.Timeout.expired"),
    ]


def test_python_shutdown_counts_only_with_an_executors_keyword(tmp_path: Path) -> None:
    source = write(
        tmp_path,
        "p.py",
        """async def f(executor, tasks):
    await tasks.shutdown()  # the project's own BackgroundTasks.shutdown
    executor.shutdown(wait=False, cancel_futures=True)
""",
    )
    assert apis(scan(source, "python")) == [(3, "concurrent.futures.ThreadPoolExecutor.shutdown")]


def test_javascript_scan_ignores_comments_and_strings(tmp_path: Path) -> None:
    source = write(
        tmp_path,
        "x.js",
        """// AbortSignal.any in a comment
/* Promise.race
   in a block comment */
const message = 'AbortSignal.timeout in a string';
export async function f(signal) {
  signal.throwIfAborted();
  const t = `Promise.any in a template ${1}`;
  return Promise.allSettled([setTimeout(() => {}, 1)]);
}
""",
    )
    assert apis(scan(source, "javascript")) == [
        (6, "AbortSignal.prototype.throwIfAborted"),
        (8, "Promise.allSettled"),
        (8, "setTimeout"),
    ]


def test_csharp_scan_ignores_doc_comments_and_strings(tmp_path: Path) -> None:
    source = write(
        tmp_path,
        "X.cs",
        '''/// <summary>Unlike <see cref="Task.WaitAsync(TimeSpan)"/>, this ...</summary>
public static async Task F(CancellationToken token)
{
    var text = $"Task.WhenAny {token}"; // Task.Run in a comment
    await Task.Delay(1, token).ConfigureAwait(false);
    var verbatim = @"Parallel.ForEachAsync ""quoted""";
}
''',
    )
    assert apis(scan(source, "csharp")) == [
        (5, "System.Threading.Tasks.Task.ConfigureAwait(bool)"),
        (5, "System.Threading.Tasks.Task.Delay"),
    ]


def test_member_ignores_parameters_and_type_arguments() -> None:
    assert api_usage.member("System.Threading.Tasks.ValueTask<TResult>.ConfigureAwait(bool)") == (
        "System.Threading.Tasks.ValueTask.ConfigureAwait"
    )
    assert api_usage.member("System.Threading.CancellationTokenSource(TimeSpan, TimeProvider)") == (
        "System.Threading.CancellationTokenSource"
    )
    assert api_usage.member("AbortSignal.prototype.reason") == "AbortSignal.prototype.reason"


def test_a_pattern_without_a_reference_is_not_linted() -> None:
    timeout = next(p for p in PATTERNS if p.id == "timeout")
    assert unlisted_apis([dataclasses.replace(timeout, id="no-such-pattern")]) == []


def test_validate_fails_on_an_unlisted_api(monkeypatch: pytest.MonkeyPatch) -> None:
    problem = Problem(Path("javascript/src/timeout.js"), 7, "timeout (javascript) uses Promise.race, which ...")
    monkeypatch.setattr(cli, "unlisted_apis", lambda patterns: [problem])
    result = CliRunner().invoke(cli.main, ["validate"])
    assert result.exit_code == 1
    assert "javascript/src/timeout.js:7: timeout (javascript) uses Promise.race" in result.output


def test_validate_runs_the_lint_on_the_real_tree() -> None:
    result = CliRunner().invoke(cli.main, ["validate"])
    assert result.exit_code == 0, result.output
