"""``asyncconf fuzz``: open every language, fuzz each pattern, print what was found."""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from ..languages import LanguageSession, open_language
from ..spec import Pattern
from ..transports.base import Transport
from .campaign import PatternResult, fuzz_pattern
from .differential import Differential
from .render import finding_text

INTERRUPTED_EXIT = 130


def transports_for(pattern: Pattern, sessions: Sequence[LanguageSession]) -> tuple[list[Transport], list[str]]:
    """The transports that can run ``pattern``, and why each other one cannot."""
    usable: list[Transport] = []
    left_out: list[str] = []
    for session in sessions:
        if not session.usable:
            left_out.append(f"{session.name}: {session.skip_reason or session.error}")
            continue
        left_out += [f"{session.name}/{name}: {reason}" for name, (_, reason) in session.broken.items()]
        lacking = session.missing_api.get(pattern.id)
        for transport in session.transports:
            if lacking:
                left_out.append(f"{transport.label}: lacks {', '.join(map(str, lacking))}")
            elif "reference" not in session.implementations.get(transport.label, {}).get(pattern.id, []):
                left_out.append(f"{transport.label}: does not implement {pattern.id}")
            else:
                usable.append(transport)
    return usable, left_out


def fuzz_command(patterns: Sequence[Pattern], langs: Sequence[str], examples: int, seed: int | None) -> int:
    """Fuzz every pattern; the exit status: 0 clean, 1 findings (or nothing to compare), 130 interrupted."""
    out = Console(soft_wrap=True, highlight=False)
    err = Console(stderr=True, soft_wrap=True, highlight=False)
    seed = secrets.randbelow(2**32) if seed is None else seed
    err.print(f"asyncconf fuzz: seed {seed} (--seed {seed} repeats this run), {examples} examples per pattern")
    sessions = [open_language(lang, patterns) for lang in langs]
    results: list[PatternResult] = []
    problems = 0
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
                for why in left_out:
                    err.print(f"asyncconf fuzz: {pattern.id}: left out {why}", markup=False)
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
    out.print(
        f"{state}: {findings} finding(s) in {len(results)} pattern(s), seed {seed}, "
        f"{sum(r.searched for r in results)} examples",
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
        f"{result.pattern}: {result.searched} examples, {result.runs} runs in {result.seconds:.1f} s "
        f"({result.per_second:.0f} examples/s): {len(result.findings)} finding(s){note}",
        markup=False,
    )
    for number, finding in enumerate(result.findings, 1):
        out.print(finding_text(finding, pattern.params, number), markup=False)
        out.print()
