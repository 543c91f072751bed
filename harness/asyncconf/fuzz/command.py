"""``asyncconf fuzz``: open every language, fuzz each pattern, print what was found."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from ..languages import LanguageSession, open_language
from ..spec import Pattern
from ..transports.base import Transport
from .campaign import PatternResult, fuzz_pattern
from .differential import Differential
from .render import finding_text

INTERRUPTED_EXIT = 130


@dataclass(frozen=True)
class LeftOut:
    """A language (``csharp``) or one of its transports (``csharp/pythonnet``) a pattern is not fuzzed on."""

    who: str
    why: str

    @property
    def lang(self) -> str:
        return self.who.split("/", 1)[0]

    def __str__(self) -> str:
        return f"{self.who}: {self.why}"


def transports_for(pattern: Pattern, sessions: Sequence[LanguageSession]) -> tuple[list[Transport], list[LeftOut]]:
    """The transports that can run ``pattern``, and why each other one cannot."""
    usable: list[Transport] = []
    left_out: list[LeftOut] = []
    for session in sessions:
        if not session.usable:
            left_out.append(LeftOut(session.name, session.skip_reason or session.error or "cannot run"))
            continue
        left_out += [LeftOut(f"{session.name}/{name}", reason) for name, (_, reason) in session.broken.items()]
        lacking = session.missing_api.get(pattern.id)
        for transport in session.transports:
            if lacking:
                left_out.append(LeftOut(transport.label, f"lacks {', '.join(map(str, lacking))}"))
            elif "reference" not in session.implementations.get(transport.label, {}).get(pattern.id, []):
                left_out.append(LeftOut(transport.label, f"does not implement {pattern.id}"))
            else:
                usable.append(transport)
    return usable, left_out


def required_left_out(pattern: Pattern, left_out: Iterable[LeftOut], required: Iterable[str]) -> list[str]:
    """Why a required language was not fuzzed on all its transports: one line each. The fuzzer's
    side of ``report.required_problems``, for ``asyncconf fuzz --require``, the fixed-seed sample
    and the campaign alike (whose required languages are ``ASYNCCONF_REQUIRE``'s)."""
    must = set(required)
    return [
        f"{left.who}: required but not fuzzed in {pattern.id}: {left.why}" for left in left_out if left.lang in must
    ]


def fuzz_command(
    patterns: Sequence[Pattern], langs: Sequence[str], examples: int, seed: int | None, required: Sequence[str] = ()
) -> int:
    """Fuzz every pattern; the exit status: 0 clean, 1 findings (or nothing to compare, or a
    ``required`` language left out), 130 interrupted. What was left out is said in the verdict."""
    out = Console(soft_wrap=True, highlight=False)
    err = Console(stderr=True, soft_wrap=True, highlight=False)
    seed = secrets.randbelow(2**32) if seed is None else seed
    err.print(f"asyncconf fuzz: seed {seed} (--seed {seed} repeats this run), {examples} examples per pattern")
    sessions = [open_language(lang, patterns) for lang in langs]
    results: list[PatternResult] = []
    problems = 0
    left_out_of: dict[str, int] = {}  # who -> in how many patterns: said in the verdict, never only above it
    try:
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
            disable=not err.is_terminal,
        ) as progress:
            for pattern in patterns:
                transports, left_out = transports_for(pattern, sessions)
                for left in left_out:
                    err.print(f"asyncconf fuzz: {pattern.id}: left out {left}", markup=False)
                    left_out_of[left.who] = left_out_of.get(left.who, 0) + 1
                for problem in required_left_out(pattern, left_out, required):
                    err.print(f"REQUIRED {problem}", markup=False)
                    problems += 1
                if len(transports) < 2:
                    err.print(f"asyncconf fuzz: {pattern.id}: fewer than two transports can run it", markup=False)
                    problems += 1
                    continue
                task = progress.add_task(pattern.id, total=examples)

                def show(result: PatternResult, task: TaskID = task) -> None:
                    found = f", {len(result.findings) or '…'} finding(s)" if result.phase != "search" else ""
                    progress.update(
                        task,
                        completed=result.searched,
                        description=f"{result.pattern} {result.phase}{found}"[:70],
                    )

                differential = Differential(transports)
                result = fuzz_pattern(pattern, differential, examples=examples, seed_value=seed, on_run=show)
                progress.remove_task(task)
                results.append(result)
                _print_result(out, result, pattern)
                if result.interrupted:
                    break
    finally:
        for session in sessions:
            session.close()
    findings = sum(len(r.findings) for r in results)
    interrupted = any(r.interrupted for r in results)
    state = "INTERRUPTED" if interrupted else ("NOT OK" if findings or problems else "OK")
    missing = ", ".join(f"{who} ({n} pattern{'s' if n > 1 else ''})" for who, n in left_out_of.items())
    out.print(
        f"{state}: {findings} finding(s) in {len(results)} pattern(s), seed {seed}, "
        f"{sum(r.searched for r in results)} examples" + (f"; left out: {missing}" if missing else ""),
        markup=False,
    )
    if interrupted:
        return INTERRUPTED_EXIT
    return 1 if findings or problems else 0


def _print_result(out: Console, result: PatternResult, pattern: Pattern) -> None:
    note = " (interrupted: what was found so far)" if result.interrupted else ""
    if result.second_tries:  # not hidden: a stall of the host, or a block that comes and goes
        note += f"; {result.second_tries} answer(s) that read a block asked for again"
    out.print(
        f"{result.pattern}: {result.searched} examples on {len(result.transports)} transports "
        f"({', '.join(result.transports)}), {result.runs} runs in {result.seconds:.1f} s "
        f"({result.per_second:.0f} examples/s): {len(result.findings)} finding(s){note}",
        markup=False,
    )
    for number, finding in enumerate(result.findings, 1):
        out.print(finding_text(finding, pattern.params, number), markup=False)
        out.print()
