"""What the fuzzer draws, derived from a pattern's spec: parameters, fault plans, cancellation, randomness.

Everything comes from the pattern file, so a new pattern is fuzzed without code of its own:

- **parameters** -- each parameter's domain is the one its pattern declares under ``fuzz: params``
  (a list of values, or ``{min, max, fractional}``); an undeclared one is derived from its
  default: a whole number ``d`` ranges over ``0 .. max(2d, 4)``, a non-integer number over
  ``0 .. 2d`` with fractions, a boolean over both values, a list over sub-lists of its elements
  and two more of their kind, and a string stays at its default (its alternatives must be
  declared). A parameter whose name ends in ``_ms`` is a duration;
- **the keys the operation is called with** -- a pattern with an ``items`` parameter calls the
  operation once per item (spec/PROTOCOL.md section 3), and with the keys it declares under
  ``fuzz: keys`` (a producer's ``produce``, up to ``EXTRA_KEY_STEPS`` steps each, the last one
  repeating for every further call: more would chain delays past the run's limit); any other one
  with the keys its scenarios' plans name (``op``), with up to one step more than its longest plan;
- **steps** -- ``ok``, ``fail`` of every error kind of the schema, or ``hang``, each with an
  optional ``cancel_ms``;
- **caller cancellation** -- every pattern takes one; a ``hang`` is drawn only together with a
  ``cancel_at_ms``, unless the pattern declares ``fuzz: {hangs_end: true}`` (it ends a hanging
  call on its own, as a timeout does): a correct implementation must always settle;
- **random draws** -- only for a pattern whose scenarios give ``random``;
- **invocations** -- for an ``invoked: many`` pattern, one to ``MAX_INVOCATIONS`` callers of one
  instance, each with a key of the plan or one it declares under ``fuzz: invocation_keys`` (an
  invocation that is no operation: a pool's ``close``, which the plans never name, so the fuzzer
  never closed a pool until it was declared) and, maybe, a cancellation of its own (then no top-level
  ``cancel_at_ms``; a ``hang`` only when every invocation is cancelled). Tame: invocation ``i``
  starts at ``i * spacing + 1``, the spacing longer than all of the plan's delays and a
  cancellation together, and cancels at an odd offset from its start, so nothing of one invocation
  meets another's at one instant; in the ``ties`` class they start anywhere and overlap.

The domain is split into **edge classes**, the kinds of divergence of issue 9 (``EDGES``). A
campaign enables some (all, by default); each enabled class is then active in about half the
examples, so that a frequent divergence does not hide a rarer one in every example. With no
class active an example is "tame", and tame examples cannot tie by construction: the plan's
delays are *distinct powers of two* (two different sets of them never add up alike, so no two
chains of calls end at one instant), a caller cancels at an *odd* millisecond, and a duration
parameter is ``4k + 2`` (even, never a power of two); parameters are present, strictly inside
their bounds and whole; no operation cancels itself; every random draw is 0.5, with more of them
than any run uses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from typing import Any

from hypothesis import strategies as st

from ..domains import outside
from ..spec import Pattern, Scenario

#: The edge classes, each with what it adds to the tame domain.
EDGES: dict[str, str] = {
    "ties": "events due at one instant: equal delays, a cancellation at a completion instant",
    "fractional": "fractional delays: non-integer parameters, random draws anywhere in [0, 1), at 0 and near 1",
    "boundaries": "zero and boundary values: zero delays and parameters, empty and one-item lists, the bounds",
    "defaults": "parameters left out of the request, for the runner to take their spec defaults",
    "self-cancel": "operations that themselves fail with the cancellation error",
    "random-exhaustion": "a random source with fewer values than the pattern draws",
}
ALL_EDGES = frozenset(EDGES)

#: Error kinds an operation fails with (spec/schema.json `kind`); `cancelled` is the self-cancel class.
KINDS = ("transient", "fatal", "timeout")
#: Delays that tie often when drawn from so small a pool.
TIE_POOL = (1, 2, 5, 10)
WIDE_DELAYS = (1, 400)
#: A caller's cancellation, tame: an odd millisecond up to this.
CANCEL_AT_MAX = 2 * WIDE_DELAYS[1]
#: Random draws that sit on rounding edges: u = 0.255 puts 100 * 1.5 * ... on .5 ms (issue 9).
EDGE_DRAWS = (0.0, 0.25, 0.75, 0.255, 0.245, 0.999999, 1 - 2**-53)
#: Random values supplied when the source must not run out: more than any run here draws.
ENOUGH_DRAWS = 16
#: At most this many steps per key of a pattern over one operation.
STEPS_PER_KEY = 6
#: At most this many steps per key declared under ``fuzz: keys`` (called once per item).
EXTRA_KEY_STEPS = 2
OK_VALUES: tuple[Any, ...] = ("v", 7, None)
#: At most this many caller invocations of one instance (``invoked: many``).
MAX_INVOCATIONS = 5


@dataclass(frozen=True, eq=False)  # hashed by identity: its strategies are cached per domain
class ParamDomain:
    """The values one parameter takes: one of ``values``, or a number in ``[low, high]``."""

    name: str
    default: Any
    values: tuple[Any, ...] = ()
    low: int = 0
    high: int = 0
    fractional: bool = False
    pool: tuple[Any, ...] = ()  # for a list parameter: the elements its lists are drawn from
    #: values just outside the parameter's spec domain (``domains:``), drawn in the boundaries class:
    #: every language must refuse them alike (PROTOCOL.md section 8)
    outside: tuple[Any, ...] = ()

    @property
    def is_duration(self) -> bool:
        return self.name.endswith("_ms")

    def strategy(self, edges: frozenset[str]) -> st.SearchStrategy[Any]:
        if self.values:
            values = [v for v in self.values if "fractional" in edges or not _non_integer(v)]
            if "boundaries" in edges:
                values += [v for v in self.outside if v not in values]
            return st.sampled_from(values or [self.default])
        if isinstance(self.default, list):
            if "boundaries" in edges:  # empty, one item, every item
                return st.lists(st.sampled_from(self.pool), max_size=len(self.pool), unique=True)
            shortest = min(2, len(self.default))
            longest = max(shortest, len(self.default))
            return st.lists(st.sampled_from(self.pool), min_size=shortest, max_size=longest, unique=True)
        if isinstance(self.default, bool):
            return st.booleans()
        if isinstance(self.default, (int, float)):
            return self._numbers(edges)
        return st.just(self.default)

    def _numbers(self, edges: frozenset[str]) -> st.SearchStrategy[Any]:
        # The same branches whatever the edges, so the shrinker can switch an edge class off and
        # keep the rest of an example: a minimal example shows only the classes it needs.
        low, high = self.low, self.high
        # Tame: strictly inside the bounds; the bounds themselves (and 0) are the boundaries class.
        bounds = (low, high) if "boundaries" in edges or high - low < 2 else (low + 1, high - 1)
        whole: list[int] = list(range(bounds[0], bounds[1] + 1))
        if self.is_duration and "ties" not in edges:
            whole = [n for n in whole if n % 4 == 2 and n > 2] or whole
        special = {n for n in (self.default,) if n in whole} or {whole[0]}
        if "boundaries" in edges:
            # Just outside the spec's domain too; a fraction of them only with the fractional class.
            special |= {low, high} | ({0} if low <= 0 <= high else set())
            special |= {v for v in self.outside if "fractional" in edges or not _non_integer(v)}
        if "ties" in edges and self.is_duration:  # the delays the plan's steps draw most
            special |= {d for d in TIE_POOL if low <= d <= high}
        halves = self.fractional and "fractional" in edges
        return st.one_of(
            st.sampled_from(sorted(special, key=float)),
            st.sampled_from(whole),
            st.sampled_from(whole).map(lambda n: n + 0.5 if halves and n < high else n),
            st.floats(low, high, allow_nan=False, allow_infinity=False).map(
                lambda x: x if halves else whole[min(len(whole) - 1, int((x - low) / max(high - low, 1) * len(whole)))]
            ),
        )


def _outside(domain: dict[str, Any] | None) -> tuple[Any, ...]:
    """Values just past each edge of a spec domain: below its least, above its most, a fraction of
    a count, a choice it does not have (a list's or a mapping's edges are the scenarios' to pin)."""
    if domain is None:
        return ()
    if domain["type"] == "choice":
        return ("other",)
    if domain["type"] not in ("integer", "number"):
        return ()
    near: list[float] = []
    if "min" in domain:
        near += [domain["min"] - 1, domain["min"] - 0.5]
    if "max" in domain:
        near.append(domain["max"] + 1)
    if domain["type"] == "integer":
        near.append(domain.get("min", 0) + 1.5)
    found = dict.fromkeys(int(v) if float(v).is_integer() else v for v in near if outside(domain, v) is not None)
    return tuple(found)


def _non_integer(value: Any) -> bool:
    return isinstance(value, float) and not value.is_integer()


@dataclass(frozen=True)
class Domain:
    """Everything the fuzzer draws for one pattern."""

    pattern: str
    defaults: dict[str, Any]
    params: tuple[ParamDomain, ...]
    keys: tuple[str, ...] = ()  # the fixed keys of a pattern over one operation (``op``)
    steps_per_key: int = 1
    items_param: str | None = None
    extra_keys: tuple[str, ...] = ()  # keys called beside the items (``fuzz: keys``), several steps each
    draws_random: bool = False
    hangs_end: bool = False
    invoked: bool = False  # ``invoked: many``: examples carry invocations
    invocation_keys: tuple[str, ...] = ()  # invocations that are no operation of the plan (``fuzz: invocation_keys``)

    @classmethod
    def of(cls, pattern: Pattern) -> Domain:
        declared = pattern.fuzz.get("params", {})
        params = tuple(
            replace(_param_domain(name, default, declared.get(name)), outside=_outside(pattern.domains.get(name)))
            for name, default in pattern.params.items()
        )
        items_param = "items" if isinstance(pattern.params.get("items"), list) else None
        keys = () if items_param else tuple(sorted({key for s in pattern.scenarios for key in s.plan if key != "*"}))
        # One step more than the longest plan of its scenarios (the last step repeats); items: one call each.
        longest = max((len(steps) for s in pattern.scenarios for steps in s.plan.values()), default=1)
        return cls(
            pattern=pattern.id,
            defaults=dict(pattern.params),
            params=params,
            keys=keys,
            steps_per_key=1 if items_param else min(longest + 1, STEPS_PER_KEY),
            items_param=items_param,
            extra_keys=tuple(pattern.fuzz.get("keys", ())),
            draws_random=any(s.random for s in pattern.scenarios),
            hangs_end=bool(pattern.fuzz.get("hangs_end", False)),
            invoked=pattern.invoked == "many",
            invocation_keys=tuple(pattern.fuzz.get("invocation_keys", ())),
        )

    def examples(self, edges: Iterable[str] = ALL_EDGES) -> st.SearchStrategy[Example]:
        """Examples drawn from the edge classes ``edges`` on top of the tame domain."""
        enabled = frozenset(edges)
        unknown = enabled - ALL_EDGES
        if unknown:
            raise ValueError(f"unknown edge class(es) {sorted(unknown)}; known: {', '.join(EDGES)}")
        return _examples(self, enabled)


def _param_domain(name: str, default: Any, declared: Any) -> ParamDomain:
    if isinstance(declared, list):
        return ParamDomain(name, default, values=tuple(declared))
    if isinstance(declared, dict):
        return ParamDomain(
            name,
            default,
            low=int(declared.get("min", 0)),
            high=int(declared["max"]),
            fractional=bool(declared.get("fractional", False)),
        )
    if isinstance(default, list):
        return ParamDomain(name, default, pool=tuple(default) + _more_like(default))
    if isinstance(default, bool) or not isinstance(default, (int, float)):
        return ParamDomain(name, default)
    if isinstance(default, float) and not default.is_integer():
        return ParamDomain(name, default, low=0, high=max(int(2 * default), 1), fractional=True)
    return ParamDomain(name, default, low=0, high=max(2 * int(default), 4))


def _more_like(values: Sequence[Any]) -> tuple[Any, ...]:
    """Two more elements of the kind a default list holds, unlike any of them."""
    if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        top = max(values)
        return (top + 1, top + 2)
    return tuple(f"x{n}" for n in range(1, 3) if f"x{n}" not in values)


@dataclass(frozen=True)
class Example:
    """One fuzz input: what the request sends (``params`` may leave some out: ``omitted``)."""

    pattern: str
    params: dict[str, Any]
    omitted: tuple[str, ...]
    plan: dict[str, list[dict[str, Any]]]
    cancel_at_ms: int | None
    random: tuple[float, ...]
    edges: frozenset[str] = frozenset()  # the edge classes active in it
    invocations: tuple[dict[str, Any], ...] | None = None  # ``invoked: many`` patterns

    def scenario(self, defaults: dict[str, Any], scenario_id: str = "fuzz") -> Scenario:
        """The example as a spec scenario (parameters merged with the defaults, as the loader does)."""
        return Scenario(
            pattern=self.pattern,
            id=scenario_id,
            covers=(),
            params={**defaults, **self.params},
            plan=self.plan,
            expect={},
            cancel_at_ms=self.cancel_at_ms,
            random=self.random,
            invocations=self.invocations,
        )


@st.composite
def _examples(draw: st.DrawFn, domain: Domain, enabled: frozenset[str]) -> Example:
    edges = frozenset(edge for edge in sorted(enabled) if draw(_BOOLEANS, label=f"edge {edge}"))
    sent: dict[str, Any] = {}
    omitted: list[str] = []
    for param in domain.params:
        value = draw(_param_strategy(param, edges), label=param.name)
        # Drawn whether or not `defaults` is active: the same choices either way, so the shrinker
        # can switch the class off without reshaping the rest of the example.
        leave_out = draw(_BOOLEANS, label=f"leave out {param.name}")
        if "defaults" in edges and leave_out:
            omitted.append(param.name)
        else:
            sent[param.name] = value
    effective = {**domain.defaults, **sent}

    keys = [str(item) for item in effective[domain.items_param]] if domain.items_param else list(domain.keys)
    cancels = draw(_BOOLEANS, label="caller cancels")
    steps = len(keys) * domain.steps_per_key + len(domain.extra_keys) * EXTRA_KEY_STEPS
    delay = _delay_source(draw, edges, needed=2 * steps)
    step = _step_strategy(edges, can_hang=cancels or domain.hangs_end)
    plan: dict[str, list[dict[str, Any]]] = {}
    for key in keys:
        count = draw(_integers(1, domain.steps_per_key)) if domain.steps_per_key > 1 else 1
        plan[key] = [_timed(draw(step), delay) for _ in range(count)]
    for key in domain.extra_keys:
        plan[key] = [_timed(draw(step), delay) for _ in range(draw(_integers(1, EXTRA_KEY_STEPS)))]

    cancel_at_ms = None
    invocations = None
    if domain.invoked:  # each invocation's caller cancels, never the whole run
        invocations = _draw_invocations(draw, edges, [*keys, *domain.invocation_keys], plan, all_cancel=cancels)
    elif cancels:
        cancel_at_ms = draw(_cancel_at_strategy(edges, tuple(_instants(plan, effective))), label="cancel_at_ms")

    random: tuple[float, ...] = ()
    if domain.draws_random:
        random = tuple(draw(_random_strategy(edges), label="random"))
    return Example(domain.pattern, sent, tuple(omitted), plan, cancel_at_ms, random, edges, invocations)


def _draw_invocations(
    draw: st.DrawFn, edges: frozenset[str], keys: list[str], plan: dict[str, list[dict[str, Any]]], all_cancel: bool
) -> tuple[dict[str, Any], ...]:
    """Callers of one instance. ``all_cancel``: every one cancels (the plan may hang)."""
    count = draw(_integers(1, MAX_INVOCATIONS), label="invocations")
    # Tame: each invocation alone in a window longer than anything it can do (see the docstring).
    busy = sum(
        int(step.get("after_ms", 0)) + int(step.get("cancel_ms", 0)) for steps in plan.values() for step in steps
    )
    spacing = 2 * (busy + CANCEL_AT_MAX + 1)
    cancel_at = _cancel_at_strategy(edges, tuple(_instants(plan, {})))
    invocations = []
    for index in range(count):
        key = draw(_sampled(tuple(keys)), label="invocation key") if len(keys) > 1 else keys[0]
        # Drawn either way, so the shrinker can switch `ties` off and keep the rest of the example.
        anywhere = draw(_integers(0, CANCEL_AT_MAX), label="at_ms")
        at_ms = anywhere if "ties" in edges else index * spacing + 1
        cancel_at_ms = None
        if all_cancel or draw(_BOOLEANS, label="invocation cancels"):
            offset = draw(cancel_at, label="invocation cancel_at_ms")
            cancel_at_ms = at_ms + offset
        invocations.append({"at_ms": at_ms, "key": key, "cancel_at_ms": cancel_at_ms})
    return tuple(invocations)


def _timed(step: dict[str, Any], delay: Callable[[], int]) -> dict[str, Any]:
    """A step with its times filled in from the example's delay source."""
    timed = dict(step)
    if "after_ms" in timed:
        timed["after_ms"] = delay()
    if "cancel_ms" in timed:
        timed["cancel_ms"] = delay()
    return timed


def _delay_source(draw: st.DrawFn, edges: frozenset[str], needed: int) -> Callable[[], int]:
    """Where an example's delays come from: tame, each one a power of two not used before in it.
    Boundaries put a zero in place of the smallest (the same number of choices either way)."""
    zero = "boundaries" in edges
    if "ties" in edges:
        spread = _tie_delays(zero)
        return lambda: draw(spread, label="delay")
    unused = [0 if zero and k == 1 else 2**k for k in range(1, needed + 1)]

    def distinct() -> int:  # one draw per delay used, not a whole permutation
        return unused.pop(draw(_integers(0, len(unused) - 1), label="distinct delay"))

    return distinct


# Strategies built once and drawn from many times: a strategy built at each draw is validated and
# looked up in Hypothesis's cache every time, which cost about a third of what drawing an example
# cost (connection-pool: 3.0-4.0 ms an example before, 1.9-2.4 after).
_BOOLEANS = st.booleans()


@cache
def _integers(low: int, high: int) -> st.SearchStrategy[int]:
    return st.integers(low, high)


@cache
def _sampled(values: tuple[Any, ...]) -> st.SearchStrategy[Any]:
    return st.sampled_from(values)


@cache
def _tie_delays(zero: bool) -> st.SearchStrategy[int]:
    return st.one_of(st.sampled_from((0, *TIE_POOL) if zero else TIE_POOL), st.integers(*WIDE_DELAYS))


@cache
def _step_strategy(edges: frozenset[str], can_hang: bool) -> st.SearchStrategy[dict[str, Any]]:
    """A step's shape in one draw, simplest first; ``_timed`` fills in its times (-1 here)."""
    kinds = KINDS + (("cancelled",) if "self-cancel" in edges else ())
    shapes: list[dict[str, Any]] = [{"after_ms": -1, "ok": value} for value in OK_VALUES]
    shapes += [{"after_ms": -1, "fail": kind} for kind in kinds]
    shapes += [{"hang": True}] if can_hang else []
    return st.sampled_from(shapes + [{**shape, "cancel_ms": -1} for shape in shapes])


@lru_cache(maxsize=4096)
def _cancel_at_strategy(edges: frozenset[str], instants: tuple[int, ...]) -> st.SearchStrategy[int]:
    zero = "boundaries" in edges
    if "ties" not in edges:  # odd: never the instant of a sum of even delays (or 0, the start)
        return st.integers(0, CANCEL_AT_MAX // 2 - 1).map(lambda n: 0 if zero and n == 0 else 2 * n + 1)
    anywhere = st.integers(0 if zero else 1, CANCEL_AT_MAX)
    return st.one_of(st.sampled_from(instants), anywhere) if instants else anywhere


@cache
def _param_strategy(param: ParamDomain, edges: frozenset[str]) -> st.SearchStrategy[Any]:
    return param.strategy(edges)


@cache
def _random_strategy(edges: frozenset[str]) -> st.SearchStrategy[list[float]]:
    """Tame: 0.5 every time, drawn from nothing; exhaustion cuts the list short (one more choice)."""
    if "fractional" in edges:
        draw_u = st.one_of(st.sampled_from(EDGE_DRAWS), st.floats(0, 1, exclude_max=True))
        values = st.lists(draw_u, min_size=ENOUGH_DRAWS, max_size=ENOUGH_DRAWS)
    else:
        values = st.just([0.5] * ENOUGH_DRAWS)
    if "random-exhaustion" in edges:
        return st.tuples(values, st.integers(0, 3)).map(lambda pair: pair[0][: pair[1]])
    return values


def _instants(plan: dict[str, list[dict[str, Any]]], params: dict[str, Any]) -> list[int]:
    """Instants where something is likely to happen: each key's calls ending back to back, and the
    pattern's own times (its whole-number parameters) -- a cancellation there is a tie on purpose."""
    times: set[int] = set()
    for steps in plan.values():
        elapsed = 0
        for step in steps:
            elapsed += int(step.get("after_ms", 0))
            times.add(elapsed)
    own = {int(v) for v in params.values() if isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0}
    times |= own | {t + v for t in list(times) for v in own}
    return sorted(t for t in times if 0 < t <= CANCEL_AT_MAX)
