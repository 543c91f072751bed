"""Loading the YAML spec: one file per pattern, checked against spec/schema.json and the lint.

Every problem is reported as ``FILE:LINE: message`` -- the line of the offending value in the
YAML file -- and all problems of a file are reported together, never as a traceback.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import pickle
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from . import domains, lint
from .lint import lint_pattern
from .paths import PATTERNS_DIR, SCHEMA_FILE, STATE_DIR

if TYPE_CHECKING:
    import jsonschema

LANGUAGES = ("python", "javascript", "csharp")


def language_list(value: str) -> tuple[list[str], list[str]]:
    """A comma-separated list of languages (``--lang``, ``--require``, ``asyncconf_langs``): the known
    ones, each once and in the order given -- ``python,python`` counted every run twice -- and the unknown."""
    named = list(dict.fromkeys(lang.strip() for lang in value.split(",") if lang.strip()))
    return [lang for lang in named if lang in LANGUAGES], [lang for lang in named if lang not in LANGUAGES]


@dataclass(frozen=True)
class Problem:
    file: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class SpecError(Exception):
    """The spec has problems; ``problems`` lists every one with its file and line."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Api:
    name: str
    since: str | None = None

    def __str__(self) -> str:
        return f"{self.name} (since {self.since})" if self.since else self.name


@dataclass(frozen=True)
class AntiPattern:
    id: str
    text: str
    langs: tuple[str, ...] = LANGUAGES
    virtual_only: str | None = None  # why the real clock cannot catch it (then skipped there)


@dataclass(frozen=True)
class Scenario:
    pattern: str
    id: str
    covers: tuple[str, ...]
    params: dict[str, Any]  # the pattern's defaults merged with the scenario's overrides
    plan: dict[str, list[dict[str, Any]]]
    expect: dict[str, Any]
    cancel_at_ms: int | None = None
    random: tuple[float, ...] = ()
    #: "virtual" when the scenario runs on the virtual clock only (a tie within one millisecond)
    clock: str | None = None
    #: several caller invocations of one instance (``invoked: many`` patterns), each
    #: ``{"at_ms", "key", "cancel_at_ms"}`` with the defaults filled in; None for one call
    invocations: tuple[dict[str, Any], ...] | None = None
    summary: str = ""
    file: Path = Path()
    line: int = 0
    #: languages the scenario does not run in, each with why (a value no implementation there can be given)
    not_in: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.pattern}/{self.id}"


@dataclass(frozen=True)
class Pattern:
    id: str
    title: str
    summary: str
    params: dict[str, Any]
    rules: dict[str, str]
    api: dict[str, tuple[Api, ...]]
    antipatterns: tuple[AntiPattern, ...]
    scenarios: tuple[Scenario, ...] = field(default=())
    file: Path = Path()
    #: the optional `fuzz:` section: domains for the differential fuzzer (asyncconf.fuzz)
    fuzz: dict[str, Any] = field(default_factory=dict)
    #: each parameter's valid values (`domains:`, PROTOCOL.md section 8; the lint's ``domain``)
    domains: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: "many" when each scenario calls one instance several times (``invocations``); None: once
    invoked: str | None = None

    def scenario(self, scenario_id: str) -> Scenario:
        for scenario in self.scenarios:
            if scenario.id == scenario_id:
                return scenario
        raise KeyError(f"pattern {self.id!r} has no scenario {scenario_id!r}")


# -- locating values in the YAML text ----------------------------------------------------------------


def _line_of(node: yaml.Node, path: Iterable[str | int]) -> int:
    """The 1-based line of the value at ``path`` (or of its deepest existing ancestor)."""
    for step in path:
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if key_node.value == str(step):
                    child = value_node
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            child = node.value[step]
        if child is None:
            break
        node = child
    return int(node.start_mark.line) + 1


def _duplicate_keys(node: yaml.Node) -> Iterator[tuple[int, str]]:
    """PyYAML keeps the last of two equal keys silently; the spec treats that as a mistake."""
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            if key_node.value in seen:
                yield key_node.start_mark.line + 1, f"duplicate key `{key_node.value}`"
            seen.add(key_node.value)
            yield from _duplicate_keys(value_node)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _duplicate_keys(item)


# -- schema ---------------------------------------------------------------------------------------------


def schema_validator(schema_file: Path) -> jsonschema.protocols.Validator:
    """A validator of ``schema_file``'s JSON Schema, the schema itself checked once: as
    ``jsonschema.validate`` does, which checks the schema again at every call."""
    import jsonschema  # here: a process that finds every file stamped valid never needs it (a tenth of a second)

    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


@cache
def _validator() -> jsonschema.protocols.Validator:
    return schema_validator(SCHEMA_FILE)


def _where(path: Iterable[str | int]) -> str:
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text or "the file"


def _schema_message(error: jsonschema.ValidationError) -> str:
    custom = error.schema.get("x-message") if isinstance(error.schema, dict) else None
    if error.validator == "required":
        return str(error.message).replace("is a required property", "is required")
    return str(custom) if custom else str(error.message)


# -- loading ----------------------------------------------------------------------------------------------


#: libyaml's loader when PyYAML has it (its wheels do): ~10x faster than the pure-Python one.
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _parse(text: str) -> tuple[yaml.Node | None, Any]:
    """Parse once: the node tree (for line numbers) and the data built from that same tree."""
    loader = _LOADER(text)
    try:
        root = loader.get_single_node()
        return root, (loader.construct_document(root) if root is not None else None)
    finally:
        loader.dispose()


def _yaml_problem(path: Path, error: yaml.MarkedYAMLError) -> Problem:
    """A syntax error at the line of the construct it breaks (an unclosed `[` is found a line later)."""
    problem = error.problem or str(error)
    if error.context_mark is not None and error.problem_mark is not None:
        line = error.context_mark.line + 1
        return Problem(
            path, line, f"not valid YAML: {error.context} here: {problem} (line {error.problem_mark.line + 1})"
        )
    mark = error.problem_mark or error.context_mark
    return Problem(path, mark.line + 1 if mark else 0, f"not valid YAML: {problem}")


#: The pattern files this process has found valid, by path and text, each with what parsing it gave:
#: its node tree (read for line numbers, never changed) and its data, pickled. Whether a file is
#: valid (the schema, then the lint) depends on nothing else, and checking it is three quarters of
#: loading it; parsing is most of the rest: pytest's workers load the spec hundreds of times (their
#: collection, the in-process CLI runs), 2,255 parses and about 20 s of CPU in one session. Each
#: load still builds its own objects, from its own unpickled copy of the data (about 50 times
#: cheaper than parsing): a caller may change its copy. The most recently used ``MOST_FOUND_VALID``.
_FOUND_VALID: OrderedDict[tuple[Path, str], tuple[yaml.Node, bytes]] = OrderedDict()
MOST_FOUND_VALID = 256
_FOUND_VALID_LOCK = threading.Lock()  # threads load specs too (the engine's, the CLI's in a test)

#: The same across processes: an empty file per pattern file found valid, named by a hash of its
#: path, its text and the checks (``_checks_fingerprint``) -- so that a changed file, schema or check
#: is checked again. Every process that loads the spec checked all of it before (0.2 s of CPU; the
#: JavaScript seam starts the Python judge for each pattern it checks, a test session starts
#: hundreds). A file found invalid leaves no stamp. A stamp that cannot be written (a
#: read-only checkout) costs only the time. A stamp found is touched, and past ``MOST_STAMPS`` the
#: least recently used half goes: every test that checks a spec in a temporary folder leaves one.
VALID_STAMPS = STATE_DIR / "spec-valid"
MOST_STAMPS = 1000


@cache
def _checks_fingerprint() -> str:
    """What decides whether a text is valid, besides the text: the schema, the code of the checks, and
    the versions of the libraries that parse and validate it."""
    # jsonschema's installation by its file's path and time (importlib.metadata's version costs 35 ms to import).
    validator = importlib.util.find_spec("jsonschema")
    installed = Path(validator.origin).stat().st_mtime_ns if validator and validator.origin else 0
    digest = hashlib.sha256(f"{yaml.__version__} {validator and validator.origin} {installed}".encode())
    for source in (SCHEMA_FILE, Path(__file__), Path(lint.__file__), Path(domains.__file__)):
        digest.update(source.read_bytes())
    return digest.hexdigest()


def _stamp(path: Path, text: str) -> Path:
    key = hashlib.sha256(f"{_checks_fingerprint()}\0{path.resolve()}\0{text}".encode()).hexdigest()
    return VALID_STAMPS / key


def _stamped(stamp: Path) -> bool:
    """Whether the stamp is there; if so it is touched (recently used: kept when old ones go)."""
    try:
        os.utime(stamp)
    except OSError:
        return stamp.exists()  # not there, or not ours to touch (a read-only checkout)
    return True


def _leave_stamp(stamp: Path) -> None:
    with contextlib.suppress(OSError):  # another process pruning at once, a read-only checkout: only time lost
        VALID_STAMPS.mkdir(parents=True, exist_ok=True)
        stamp.touch()
        stamps = list(VALID_STAMPS.iterdir())
        if len(stamps) > MOST_STAMPS:
            for old in sorted(stamps, key=lambda p: p.stat().st_mtime_ns)[: len(stamps) - MOST_STAMPS // 2]:
                old.unlink(missing_ok=True)


def load_pattern(path: Path) -> Pattern:
    """Load and check one pattern file; raise SpecError listing all of its problems."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise SpecError([Problem(path, 0, f"cannot read: {error.strerror}")]) from None
    with _FOUND_VALID_LOCK:
        found = _FOUND_VALID.get((path, text))
        if found is not None:
            _FOUND_VALID.move_to_end((path, text))
    if found is not None:
        return _build(path, pickle.loads(found[1]), found[0])
    try:
        root, data = _parse(text)
    except yaml.MarkedYAMLError as error:
        raise SpecError([_yaml_problem(path, error)]) from None
    if root is None or not isinstance(data, dict):
        raise SpecError([Problem(path, 1, "a pattern file holds one mapping (id, title, rules, ...)")])
    stamp = _stamp(path, text)
    if _stamped(stamp):
        _found_valid(path, text, root, data)
        return _build(path, data, root)

    problems = [Problem(path, line, message) for line, message in _duplicate_keys(root)]
    for invalid in sorted(_validator().iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        where = _where(invalid.absolute_path)
        problems.append(Problem(path, _line_of(root, invalid.absolute_path), f"{where}: {_schema_message(invalid)}"))
    if problems:
        raise SpecError(sorted(problems, key=lambda p: p.line))

    pattern = _build(path, data, root)
    problems = [Problem(path, _line_of(root, at), message) for at, message in lint_pattern(pattern, data)]
    if problems:
        raise SpecError(sorted(problems, key=lambda p: p.line))
    _found_valid(path, text, root, data)
    _leave_stamp(stamp)
    return pattern


def _found_valid(path: Path, text: str, root: yaml.Node, data: dict[str, Any]) -> None:
    """Remember a file found valid, before any caller has its pattern (whose objects may share the data's)."""
    found = (root, pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))
    with _FOUND_VALID_LOCK:
        _FOUND_VALID[(path, text)] = found
        while len(_FOUND_VALID) > MOST_FOUND_VALID:
            _FOUND_VALID.popitem(last=False)


def _build(path: Path, data: dict[str, Any], root: yaml.Node) -> Pattern:
    params = dict(data["params"])
    scenarios = tuple(
        Scenario(
            pattern=data["id"],
            id=s["id"],
            summary=s.get("summary", ""),
            covers=tuple(s["covers"]),
            params={**params, **s.get("params", {})},
            plan={str(key): steps for key, steps in s["plan"].items()},
            expect=s["expect"],
            cancel_at_ms=s.get("cancel_at_ms"),
            random=tuple(s.get("random", ())),
            clock=s.get("clock"),
            invocations=_invocations(s.get("invocations")),
            not_in=dict(s.get("not_in", {})),
            file=path,
            line=_line_of(root, ["scenarios", index]),
        )
        for index, s in enumerate(data["scenarios"])
    )
    return Pattern(
        id=data["id"],
        title=data["title"],
        summary=data["summary"],
        params=params,
        rules={rule["id"]: rule["text"] for rule in data["rules"]},
        api={lang: tuple(Api(a["name"], a.get("since")) for a in data["api"][lang]) for lang in LANGUAGES},
        antipatterns=tuple(
            AntiPattern(a["id"], a["text"], tuple(a.get("langs", LANGUAGES)), a.get("virtual_only"))
            for a in data["antipatterns"]
        ),
        scenarios=scenarios,
        file=path,
        fuzz=dict(data.get("fuzz", {})),
        domains={name: dict(domain) for name, domain in data.get("domains", {}).items()},
        invoked=data.get("invoked"),
    )


def _invocations(raw: list[dict[str, Any]] | None) -> tuple[dict[str, Any], ...] | None:
    """The scenario's invocations with their defaults (key ``op``, no cancellation), or None."""
    if raw is None:
        return None
    return tuple({"at_ms": i["at_ms"], "key": i.get("key", "op"), "cancel_at_ms": i.get("cancel_at_ms")} for i in raw)


def pattern_files(spec_dir: Path = PATTERNS_DIR) -> list[Path]:
    """The pattern files of a spec directory (``spec/`` or ``spec/patterns/``)."""
    patterns_dir = spec_dir / "patterns" if (spec_dir / "patterns").is_dir() else spec_dir
    return sorted(patterns_dir.glob("*.yaml"))


def load_spec(spec_dir: Path = PATTERNS_DIR) -> list[Pattern]:
    """Every pattern of the spec, or SpecError listing the problems of every file."""
    files = pattern_files(spec_dir)
    if not files:
        raise SpecError([Problem(spec_dir, 0, "no pattern files (*.yaml) here")])
    patterns, problems = [], []
    for path in files:
        try:
            patterns.append(load_pattern(path))
        except SpecError as error:
            problems += error.problems
    if problems:
        raise SpecError(problems)
    return patterns
