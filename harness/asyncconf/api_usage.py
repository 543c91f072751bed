"""The API-usage lint: every async API a reference uses is listed in its pattern's ``api:``.

The spec's ``api:`` lists are probed in each running runtime (``check_api``), so a pattern whose
APIs a runtime lacks is skipped naming the API and its ``since`` -- but only the listed ones. This
lint closes the gap: it scans each reference's source for the async APIs of a curated table per
language and reports

- an API the code uses that its pattern does not list (an unverified API: exactly what the
  project exists to prevent), at the file and line of the use;
- a listed API the code no longer uses (a stale entry that would skip a pattern for nothing),
  unless it is in ``RELIED_ON`` -- listed because the code relies on it without naming it.

Names are compared at the member level: a spec entry's parameter list (a C# overload) and type
arguments are not part of the comparison, so ``Task.Delay(`` in the code matches
``System.Threading.Tasks.Task.Delay(TimeSpan, TimeProvider, CancellationToken)``; the overload
itself is what ``check_api`` probes. Where the table can tell overloads apart
(``ConfigureAwait(false)``, ``ConfigureAwait(ConfigureAwaitOptions.X)``) it names the overload, and
the entry must be that one. A use that may be one of several APIs (``.WaitAsync(`` is on
``SemaphoreSlim`` and on ``Task``) is satisfied by any of them.

What each language's reference is made of:
- Python: ``python/asyncpatterns/<id>.py`` and the package modules it imports relatively;
- JavaScript: ``javascript/src/<id>.js`` and the modules it imports relatively (a shared module's
  APIs count for every pattern that imports it);
- C#: every ``.cs`` file of ``csharp/AsyncPatterns/<PascalCaseId>/``.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .paths import CSHARP_DIR, JAVASCRIPT_DIR, PYTHON_DIR, ROOT
from .spec import Pattern, Problem


@dataclass(frozen=True)
class Usage:
    """One use of an async API in a reference's source. ``apis``: what it may be, the likeliest first."""

    file: Path
    line: int
    apis: tuple[str, ...]


# -- the curated tables ----------------------------------------------------------------------------

#: Python: every attribute of these modules is an async API.
PYTHON_ASYNC_MODULES = frozenset({"asyncio"})
#: Python: the async members of modules that are mostly not about async.
PYTHON_ASYNC_MEMBERS = {
    "concurrent.futures": frozenset({"ThreadPoolExecutor"}),
    "contextlib": frozenset(
        {"aclosing", "asynccontextmanager", "AsyncExitStack", "AbstractAsyncContextManager", "AsyncContextDecorator"}
    ),
}
#: Python: builtins that are async APIs (or came with asyncio's TaskGroup).
PYTHON_BUILTINS = frozenset({"aiter", "anext", "BaseExceptionGroup", "ExceptionGroup"})
#: Python: methods of asyncio objects, called on an instance (the receiver's type is not known).
PYTHON_METHODS: dict[str, tuple[str, ...]] = {
    "expired": ("asyncio.Timeout.expired",),
    "reschedule": ("asyncio.Timeout.reschedule",),
    "when": ("asyncio.Timeout.when",),
    "create_task": ("asyncio.TaskGroup.create_task", "asyncio.AbstractEventLoop.create_task"),
    "uncancel": ("asyncio.Task.uncancel",),
    "cancelling": ("asyncio.Task.cancelling",),
    "cancel": ("asyncio.Future.cancel", "asyncio.Task.cancel", "asyncio.TimerHandle.cancel"),
    "cancelled": ("asyncio.Future.cancelled", "asyncio.Task.cancelled"),
    "done": ("asyncio.Future.done", "asyncio.Task.done"),
    "result": ("asyncio.Future.result", "asyncio.Task.result"),
    "exception": ("asyncio.Future.exception", "asyncio.Task.exception"),
    "add_done_callback": ("asyncio.Future.add_done_callback", "asyncio.Task.add_done_callback"),
    "remove_done_callback": ("asyncio.Future.remove_done_callback", "asyncio.Task.remove_done_callback"),
    "acquire": ("asyncio.Semaphore.acquire", "asyncio.Lock.acquire"),
    "release": ("asyncio.Semaphore.release", "asyncio.Lock.release"),
    "locked": ("asyncio.Semaphore.locked", "asyncio.Lock.locked"),
    "is_set": ("asyncio.Event.is_set",),
    "run_in_executor": ("asyncio.AbstractEventLoop.run_in_executor",),
    "shutdown": ("concurrent.futures.ThreadPoolExecutor.shutdown",),
    "time": ("asyncio.AbstractEventLoop.time",),
}
#: Python: a method name the project's own classes use too (``BackgroundTasks.shutdown()``) counts
#: only when called with one of its asyncio-side keywords.
PYTHON_METHOD_KEYWORDS: dict[str, frozenset[str]] = {"shutdown": frozenset({"wait", "cancel_futures"})}

#: JavaScript: (pattern, the APIs a match may be). Matched on the code with comments and string
#: contents blanked out.
JAVASCRIPT_TABLE: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = tuple(
    (re.compile(pattern), apis)
    for pattern, apis in [
        (r"\bnew\s+AbortController\b", ("AbortController",)),
        (r"\bAbortSignal\.timeout\b", ("AbortSignal.timeout",)),
        (r"\bAbortSignal\.any\b", ("AbortSignal.any",)),
        (r"\bAbortSignal\.abort\b", ("AbortSignal.abort",)),
        (r"\bDOMException\b", ("DOMException",)),
        (r"\bAggregateError\b", ("AggregateError",)),
        (r"\bnew\s+Promise\b", ("Promise",)),
        (r"\bPromise\.all\b", ("Promise.all",)),
        (r"\bPromise\.allSettled\b", ("Promise.allSettled",)),
        (r"\bPromise\.race\b", ("Promise.race",)),
        (r"\bPromise\.any\b", ("Promise.any",)),
        (r"\bPromise\.withResolvers\b", ("Promise.withResolvers",)),
        (r"(?<![.\w])setTimeout\s*\(", ("setTimeout",)),
        (r"(?<![.\w])clearTimeout\s*\(", ("clearTimeout",)),
        (r"(?<![.\w])setInterval\s*\(", ("setInterval",)),
        (r"(?<![.\w])clearInterval\s*\(", ("clearInterval",)),
        (r"(?<![.\w])setImmediate\s*\(", ("setImmediate",)),
        (r"(?<![.\w])queueMicrotask\s*\(", ("queueMicrotask",)),
        (r"\bSymbol\.asyncDispose\b", ("Symbol.asyncDispose",)),
        (r"\bSymbol\.asyncIterator\b", ("Symbol.asyncIterator",)),
        (r"\.throwIfAborted\s*\(", ("AbortSignal.prototype.throwIfAborted",)),
        (r"\.abort\s*\(", ("AbortController.prototype.abort",)),
        (r"\.reason\b", ("AbortSignal.prototype.reason",)),
        (r"\.aborted\b", ("AbortSignal.prototype.aborted",)),
        (r"\.addEventListener\s*\(", ("EventTarget.prototype.addEventListener",)),
        (r"\.removeEventListener\s*\(", ("EventTarget.prototype.removeEventListener",)),
        (r"\bsetMaxListeners\b", ("events.setMaxListeners",)),
        (r"\bgetEventListeners\b", ("events.getEventListeners",)),
        (r"\bscheduler\.wait\b", ("timers/promises.scheduler.wait",)),
        (r"\bnew\s+Worker\b", ("worker_threads.Worker",)),
        (r"\.terminate\s*\(", ("worker_threads.Worker.prototype.terminate",)),
        (r"\.postMessage\s*\(", ("worker_threads.Worker.prototype.postMessage",)),
        (r"\.ref\s*\(", ("worker_threads.Worker.prototype.ref",)),
        (r"\.unref\s*\(", ("worker_threads.Worker.prototype.unref",)),
        (r"\bavailableParallelism\s*\(", ("os.availableParallelism",)),
        (r"\bperformance\.now\s*\(", ("performance.now",)),
    ]
)

_TASKS = "System.Threading.Tasks"
_THREADING = "System.Threading"
#: C#: (pattern, the APIs a match may be). Matched on the code with comments and string contents
#: blanked out.
CSHARP_TABLE: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = tuple(
    (re.compile(pattern), apis)
    for pattern, apis in [
        (r"\bTask\.Delay\s*\(", (f"{_TASKS}.Task.Delay",)),
        (r"\bTask\.WhenAll\s*\(", (f"{_TASKS}.Task.WhenAll",)),
        (r"\bTask\.WhenAny\s*\(", (f"{_TASKS}.Task.WhenAny",)),
        (r"\bTask\.WhenEach\s*\(", (f"{_TASKS}.Task.WhenEach",)),
        (r"\bTask\.Run\s*\(", (f"{_TASKS}.Task.Run",)),
        (r"\bTask\.Yield\s*\(", (f"{_TASKS}.Task.Yield",)),
        (r"\bTask\.FromResult\b", (f"{_TASKS}.Task.FromResult",)),
        (r"\bTask\.FromException\b", (f"{_TASKS}.Task.FromException",)),
        (r"\bTask\.FromCanceled\b", (f"{_TASKS}.Task.FromCanceled",)),
        (r"\bTask\.CompletedTask\b", (f"{_TASKS}.Task.CompletedTask",)),
        # On a Task, a ValueTask or an IAsyncDisposable alike: one entry stands for the bool overload.
        (r"\.ConfigureAwait\s*\(\s*(?:false|true)\s*\)", (f"{_TASKS}.Task.ConfigureAwait(bool)",)),
        (r"\.ConfigureAwait\s*\(\s*ConfigureAwaitOptions\.", (f"{_TASKS}.Task.ConfigureAwait(ConfigureAwaitOptions)",)),
        (r"\bConfigureAwaitOptions\.SuppressThrowing\b", (f"{_TASKS}.ConfigureAwaitOptions.SuppressThrowing",)),
        (r"\bConfigureAwaitOptions\.ForceYielding\b", (f"{_TASKS}.ConfigureAwaitOptions.ForceYielding",)),
        (
            r"\bConfigureAwaitOptions\.ContinueOnCapturedContext\b",
            (f"{_TASKS}.ConfigureAwaitOptions.ContinueOnCapturedContext",),
        ),
        (r"\.WaitAsync\s*\(", (f"{_THREADING}.SemaphoreSlim.WaitAsync", f"{_TASKS}.Task.WaitAsync")),
        (r"\.GetAwaiter\s*\(", (f"{_TASKS}.Task.GetAwaiter", f"{_TASKS}.ValueTask.GetAwaiter")),
        (r"\.IsCompletedSuccessfully\b", (f"{_TASKS}.Task.IsCompletedSuccessfully",)),
        (r"\.IsCompleted\b", (f"{_TASKS}.Task.IsCompleted",)),
        (r"\bnew\s+SemaphoreSlim\s*\(", (f"{_THREADING}.SemaphoreSlim",)),
        (r"\.Release\s*\(", (f"{_THREADING}.SemaphoreSlim.Release",)),
        (r"\bnew\s+CancellationTokenSource\s*\(", (f"{_THREADING}.CancellationTokenSource",)),
        (
            r"\bCancellationTokenSource\.CreateLinkedTokenSource\s*\(",
            (f"{_THREADING}.CancellationTokenSource.CreateLinkedTokenSource",),
        ),
        (r"\.Cancel\s*\(", (f"{_THREADING}.CancellationTokenSource.Cancel",)),
        (r"\.CancelAsync\s*\(", (f"{_THREADING}.CancellationTokenSource.CancelAsync",)),
        (r"\.CancelAfter\s*\(", (f"{_THREADING}.CancellationTokenSource.CancelAfter",)),
        (r"\.Token\b", (f"{_THREADING}.CancellationTokenSource.Token",)),
        (
            r"\.IsCancellationRequested\b",
            (
                f"{_THREADING}.CancellationToken.IsCancellationRequested",
                f"{_THREADING}.CancellationTokenSource.IsCancellationRequested",
            ),
        ),
        (r"\.ThrowIfCancellationRequested\s*\(", (f"{_THREADING}.CancellationToken.ThrowIfCancellationRequested",)),
        (r"\.Register\s*\(", (f"{_THREADING}.CancellationToken.Register",)),
        (r"\bOperationCanceledException\b", ("System.OperationCanceledException",)),
        (r"\bTaskCanceledException\b", (f"{_TASKS}.TaskCanceledException",)),
        (r"\bAggregateException\b", ("System.AggregateException",)),
        (r"\bTimeProvider\b", ("System.TimeProvider",)),
        (r"\.GetTimestamp\s*\(", ("System.TimeProvider.GetTimestamp",)),
        (r"\.GetElapsedTime\s*\(", ("System.TimeProvider.GetElapsedTime",)),
        (r"\.CreateTimer\s*\(", ("System.TimeProvider.CreateTimer",)),
        (r"\bIAsyncDisposable\b", ("System.IAsyncDisposable",)),
        (r"\bnew\s+Lock\s*\(", (f"{_THREADING}.Lock",)),
        (r"\bawait\s+using\b|\.DisposeAsync\s*\(", ("System.IAsyncDisposable.DisposeAsync",)),
        (r"\bParallel\.ForEachAsync\b", (f"{_TASKS}.Parallel.ForEachAsync",)),
        (r"\bChannel\.Create(?:Bounded|Unbounded)\b", (f"{_THREADING}.Channels.Channel",)),
        (r"\bIAsyncEnumerable\b", ("System.Collections.Generic.IAsyncEnumerable",)),
        (r"\.WithCancellation\s*\(", (f"{_TASKS}.TaskAsyncEnumerableExtensions.WithCancellation",)),
        (r"\bBoundedChannelFullMode\.Wait\b", (f"{_THREADING}.Channels.BoundedChannelFullMode.Wait",)),
    ]
)

#: Listed APIs the code relies on without naming them: (pattern, language, API) -> why.
RELIED_ON: dict[tuple[str, str, str], str] = {
    ("task-group", "python", "builtins.ExceptionGroup"): "asyncio.TaskGroup raises the failures in one",
    ("racing", "python", "builtins.ExceptionGroup"): "BaseExceptionGroup(...) builds one of Exceptions",
    ("racing", "javascript", "AggregateError"): "Promise.any rejects with one when all fail",
    ("async-stream", "javascript", "Symbol.asyncIterator"): "for await...of calls it (and return() on a way out)",
    ("async-stream", "csharp", "System.Threading.Tasks.TaskAsyncEnumerableExtensions.ConfigureAwait"): (
        "source.WithCancellation(ct).ConfigureAwait(false): the table reads it as Task.ConfigureAwait(bool)"
    ),
    (
        "unobserved-failures",
        "csharp",
        "System.Threading.Tasks.TaskCompletionSource",
    ): "completes when a token is cancelled",
    (
        "unobserved-failures",
        "csharp",
        "System.Threading.Tasks.Task.ContinueWith",
    ): "the tracker forgets a finished task",
    ("graceful-shutdown", "python", "asyncio.Event.set"): "shutdown() sets the stopping Event",
    ("graceful-shutdown", "python", "asyncio.Event.wait"): "run() waits on the stopping Event",
    ("graceful-shutdown", "python", "builtins.TimeoutError"): "what asyncio.timeout raises when the drain is over",
    ("graceful-shutdown", "csharp", "System.TimeoutException"): "what Task.WaitAsync throws when the drain is over",
    ("connection-pool", "csharp", "System.Threading.Tasks.TaskCompletionSource"): "every connection closed (the close)",
    ("connection-pool", "csharp", "System.Threading.Tasks.TaskCompletionSource<TResult>"): "a waiter's turn",
    ("connection-pool", "csharp", "System.TimeoutException"): (
        "the acquire timeout's, and what WaitAsync throws at the close's deadline"
    ),
}


# -- scanning ------------------------------------------------------------------------------------------


def reference_sources(pattern_id: str, lang: str) -> list[Path]:
    """The source files of a pattern's reference in a language (empty when it has none)."""
    if lang == "python":
        return _closure(PYTHON_DIR / "asyncpatterns" / f"{pattern_id.replace('-', '_')}.py", _python_imports)
    if lang == "javascript":
        return _closure(JAVASCRIPT_DIR / "src" / f"{pattern_id}.js", _javascript_imports)
    folder = CSHARP_DIR / "AsyncPatterns" / "".join(part.capitalize() for part in pattern_id.split("-"))
    return sorted(folder.glob("*.cs"))


def _closure(start: Path, imports: Callable[[Path], list[Path]]) -> list[Path]:
    if not start.is_file():
        return []
    found: list[Path] = []
    pending = [start]
    while pending:
        path = pending.pop()
        if path in found:
            continue
        found.append(path)
        pending.extend(imports(path))
    return sorted(found)


def _python_imports(path: Path) -> list[Path]:
    """The package modules a module imports relatively (``from .x import y``)."""
    return list(_python_imports_cached(path, path.stat().st_mtime_ns))


@functools.lru_cache(maxsize=256)
def _python_imports_cached(path: Path, _mtime_ns: int) -> tuple[Path, ...]:
    # Parsed once per version of the file, as ``scan`` reads one: the API tests ask for every
    # pattern's sources hundreds of times (4,937 parses in one pytest worker).
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            module = path.parent / f"{node.module.replace('.', '/')}.py"
            if module.is_file():
                found.append(module)
    return tuple(found)


def _javascript_imports(path: Path) -> list[Path]:
    """The modules an ES module imports relatively (``import {x} from './common/abort.js'``)."""
    text = path.read_text(encoding="utf-8")
    return [
        (path.parent / target).resolve()
        for target in re.findall(r"""^\s*import\b[^;]*?\bfrom\s+['"](\.[^'"]+)['"]""", text, re.MULTILINE)
        if (path.parent / target).is_file()
    ]


def scan(path: Path, lang: str) -> list[Usage]:
    """The async APIs of the language's table that one source file uses."""
    return _scan_cached(path, lang, path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=256)
def _scan_cached(path: Path, lang: str, _mtime_ns: int) -> list[Usage]:
    if lang == "python":
        return list(_scan_python(path))
    code = _blank_comments_and_strings(path.read_text(encoding="utf-8"))
    table = JAVASCRIPT_TABLE if lang == "javascript" else CSHARP_TABLE
    return list(_scan_table(path, code, table))


def _scan_table(path: Path, code: str, table: Iterable[tuple[re.Pattern[str], tuple[str, ...]]]) -> Iterator[Usage]:
    for pattern, apis in table:
        for match in pattern.finditer(code):
            yield Usage(path, code.count("\n", 0, match.start()) + 1, apis)


def _scan_python(path: Path) -> Iterator[Usage]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules: dict[str, str] = {}  # local name -> module
    members: dict[str, str] = {}  # local name -> module.member, from `from M import X`
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                modules[alias.asname or alias.name] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                members[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules:
            if _python_async(modules[node.value.id], node.attr):
                yield Usage(path, node.lineno, (f"{modules[node.value.id]}.{node.attr}",))
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            if node.id in members:
                module, _, member = members[node.id].rpartition(".")
                if _python_async(module, member):
                    yield Usage(path, node.lineno, (members[node.id],))
            elif node.id in PYTHON_BUILTINS:
                yield Usage(path, node.lineno, (f"builtins.{node.id}",))
        elif isinstance(node, ast.TryStar):
            yield Usage(path, node.lineno, ("builtins.BaseExceptionGroup", "builtins.ExceptionGroup"))
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in PYTHON_METHODS
            and not (isinstance(node.func.value, ast.Name) and node.func.value.id in modules)
            and (
                node.func.attr not in PYTHON_METHOD_KEYWORDS
                or any(k.arg in PYTHON_METHOD_KEYWORDS[node.func.attr] for k in node.keywords)
            )
        ):
            yield Usage(path, node.lineno, PYTHON_METHODS[node.func.attr])


def _python_async(module: str, member: str) -> bool:
    return module in PYTHON_ASYNC_MODULES or member in PYTHON_ASYNC_MEMBERS.get(module, ())


def _blank_comments_and_strings(code: str) -> str:
    """The code with comments and the contents of string and character literals replaced by spaces
    (newlines kept, so line numbers hold). Enough for the references' JavaScript and C#; a regex
    literal holding a quote would confuse it."""
    out = list(code)
    index, length = 0, len(code)

    def blank(start: int, end: int) -> None:
        for position in range(start, min(end, length)):
            if out[position] != "\n":
                out[position] = " "

    while index < length:
        char, pair = code[index], code[index : index + 2]
        if pair == "//":
            end = code.find("\n", index)
            end = length if end < 0 else end
            blank(index, end)
            index = end
        elif pair == "/*":
            end = code.find("*/", index + 2)
            end = length if end < 0 else end + 2
            blank(index, end)
            index = end
        elif code.startswith('"""', index):  # a C# raw string literal
            end = code.find('"""', index + 3)
            end = length if end < 0 else end + 3
            blank(index + 3, end - 3)
            index = end
        elif char in "\"'`":
            verbatim = index > 0 and code[index - 1] == "@" and char == '"'
            position = index + 1
            while position < length:
                if code[position] == "\\" and not verbatim:
                    position += 2
                    continue
                if code[position] == char:
                    if verbatim and code.startswith('""', position):
                        position += 2
                        continue
                    break
                position += 1
            blank(index + 1, position)
            index = position + 1
        else:
            index += 1
    return "".join(out)


# -- the lint --------------------------------------------------------------------------------------


def member(name: str) -> str:
    """An API name without its parameter list and type arguments: ``Task.Delay(TimeSpan, ...)`` ->
    ``Task.Delay``, ``ValueTask<TResult>.ConfigureAwait(bool)`` -> ``ValueTask.ConfigureAwait``."""
    head = name.split("(", 1)[0]
    while (plain := re.sub(r"<[^<>]*>", "", head)) != head:
        head = plain
    return head.strip()


def _matches(found: str, listed: str) -> bool:
    """Whether a use the table found is the listed API: by overload when the table names one."""
    if "(" in found:
        return found.replace(" ", "") == listed.replace(" ", "")
    return member(listed) == found


def unlisted_apis(patterns: Iterable[Pattern]) -> list[Problem]:
    """Every use of an async API that its pattern's ``api:`` does not list, and every listed API
    the reference does not use (unless ``RELIED_ON``)."""
    problems: list[Problem] = []
    for pattern in patterns:
        for lang, listed in pattern.api.items():
            sources = reference_sources(pattern.id, lang)
            if not sources:
                continue
            used: set[str] = set()  # the listed names some use matches
            unlisted: dict[tuple[str, ...], list[Usage]] = {}
            for path in sources:
                for usage in scan(path, lang):
                    matched = {api.name for api in listed if any(_matches(found, api.name) for found in usage.apis)}
                    used.update(matched)
                    if not matched:
                        unlisted.setdefault(usage.apis, []).append(usage)
            for apis, usages in unlisted.items():
                first = min(usages, key=lambda usage: (str(usage.file), usage.line))
                more = f" (and {len(usages) - 1} more use{'s' if len(usages) > 2 else ''})" if len(usages) > 1 else ""
                problems.append(
                    Problem(
                        _relative(first.file),
                        first.line,
                        f"{pattern.id} ({lang}) uses {apis[0]}{more}, which its spec does not list "
                        f"under api.{lang} in {_relative(pattern.file)}",
                    )
                )
            for api in listed:
                if api.name not in used and (pattern.id, lang, api.name) not in RELIED_ON:
                    problems.append(
                        Problem(
                            _relative(pattern.file),
                            _line_of_text(pattern.file, api.name),
                            f"api.{lang} lists {api.name}, which the {lang} reference of {pattern.id} does not use "
                            "(remove it, or say in api_usage.RELIED_ON why it is relied on)",
                        )
                    )
    return sorted(problems, key=lambda p: (str(p.file), p.line, p.message))


def _relative(path: Path) -> Path:
    try:
        return path.resolve().relative_to(ROOT)
    except ValueError:
        return path


def _line_of_text(path: Path, text: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if text in line:
            return number
    return 0
