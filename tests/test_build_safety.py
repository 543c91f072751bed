"""Preparing a language's side is safe to interrupt and to start twice (issue 8).

The harness builds ``csharp/`` and installs ``javascript/`` itself. Two harnesses started at once
build once, the second waiting for the first; a build or install that was interrupted -- or left
a broken output -- is redone from clean; and an interrupted tool leaves no process behind.

The C# tests that need the real ``dotnet`` share one temporary copy of ``csharp/`` (the checkout's
build is untouched), each leaving it built for the next; when to build is tested with a fake
dotnet, and ``npm ci`` is played by a fake npm.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from asyncconf.paths import CSHARP_DIR, SPEC_DIR
from asyncconf.pytest_plugin import skip_or_fail
from asyncconf.transports import dotnet, node
from asyncconf.transports.base import PrepareFailed, Unavailable
from asyncconf.transports.jsonl_process import JsonLinesProcess
from asyncconf.transports.prepare import STATE_DIR
from interrupts import ctrl_c_reaches

# A harness of its own, as a second `asyncconf run` would be: it builds the copy given.
BUILD = "import sys; from pathlib import Path; from asyncconf.transports import dotnet; " + (
    "dotnet.build(sys.argv[1], sys.argv[2], Path(sys.argv[3]))"
)
INSTALL = "import sys; from pathlib import Path; from asyncconf.transports import node; " + (
    "from asyncconf.transports.processes import exit_on_signals; exit_on_signals(); "
    "node.prepare(sys.argv[1], Path(sys.argv[2]))"
)
linux_only = pytest.mark.skipif(not Path("/proc/self/cwd").exists(), reason="finds processes through /proc")


def _processes_in(folder: Path) -> list[str]:
    """The processes working in ``folder`` (a build's dotnet, MSBuild node and compilers)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and Path(os.readlink(proc / "cwd")).is_relative_to(folder):
                command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                found.append(f"{proc.name}: {command[:160]}")
        except OSError:
            continue  # gone meanwhile, or not ours to read
    return found


def _running(pid: int) -> bool:
    """Whether the process runs (a zombie, dead but not yet reaped, does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def _wait_until_gone(folder: Path, timeout_s: float = 10) -> list[str]:
    deadline = time.monotonic() + timeout_s
    while (left := _processes_in(folder)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


# -- C#: the real dotnet, in one copy of csharp/ ------------------------------------------------------------


@pytest.fixture(scope="module")
def dotnet_cli() -> str:
    try:
        return dotnet.find_dotnet()
    except Unavailable as error:
        skip_or_fail("csharp", str(error))
        raise


@pytest.fixture(scope="module")
def framework(dotnet_cli: str) -> str:
    return dotnet.target_framework(dotnet_cli)


@pytest.fixture(scope="module")
def csharp_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """csharp/ without its tests, and the spec beside it (the runner embeds spec/protocol.json)."""
    root = tmp_path_factory.mktemp("build")
    shutil.copytree(CSHARP_DIR, root / "csharp", ignore=shutil.ignore_patterns("bin", "obj", "*.Tests", STATE_DIR))
    shutil.copytree(SPEC_DIR, root / "spec")
    return root / "csharp"


@pytest.fixture
def built(dotnet_cli: str, framework: str, csharp_copy: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """The copy, built (a no-op when the test before left it built)."""
    dotnet.build(dotnet_cli, framework, csharp_copy)
    capsys.readouterr()
    return csharp_copy


def _start_build(dotnet_cli: str, framework: str, copy: Path) -> subprocess.Popen[str]:
    argv = ctrl_c_reaches([sys.executable, "-c", BUILD, dotnet_cli, framework, str(copy)])
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _assert_runner_answers(dotnet_cli: str, folder: Path) -> None:
    """The build's runner starts and answers: the output is whole, not just present."""
    runner = JsonLinesProcess(
        "csharp", "subprocess", [dotnet_cli, str(folder / f"{dotnet.RUNNER_ASSEMBLY}.dll")], cwd=folder
    )
    runner.start()
    try:
        assert runner.describe(timeout_s=60)["protocol"] == 1
    finally:
        runner.close()


@linux_only
def test_an_interrupted_build_leaves_no_process_and_two_harnesses_then_rebuild_it_once_from_clean(
    dotnet_cli: str, framework: str, csharp_copy: Path
) -> None:
    """Issue 8's two failures in one story: Ctrl-C during a build, then two runs at once."""
    for stamp in (csharp_copy / STATE_DIR).glob("build-*"):
        stamp.unlink()  # so that it builds, whatever ran before
    harness = _start_build(dotnet_cli, framework, csharp_copy)
    try:
        # Interrupt it mid-way: restored, AsyncPatterns being compiled (MSBuild starts a compiler
        # per project, in the project's folder), as in the issue, whose interrupt left that
        # project's reference assembly written empty.
        deadline = time.monotonic() + 600
        while not any("/csc" in p for p in _processes_in(csharp_copy / "AsyncPatterns")) and harness.poll() is None:
            assert time.monotonic() < deadline, "no compiler seen in 600 s"
            time.sleep(0.05)
        assert harness.poll() is None, "the build ended before the compiler was seen: " + harness.communicate()[1]
        harness.send_signal(signal.SIGINT)
        said = harness.communicate(timeout=60)[1]
    finally:
        harness.kill()
    assert harness.returncode != 0 and "KeyboardInterrupt" in said, said
    assert _wait_until_gone(csharp_copy, timeout_s=5) == []  # dotnet, its MSBuild node, the compiler
    assert not list((csharp_copy / STATE_DIR).glob("build-*"))  # no stamp: what it left is not trusted
    # Make it the worst an interrupted build was seen to leave: AsyncPatterns' reference assemblies
    # written empty, its dependents not compiled, no bin/. Built on as it was, every build failed
    # with CS0009 until obj/ was deleted by hand; and two first builds at once raced in NuGet's restore.
    obj = csharp_copy / "AsyncPatterns" / "obj" / "Release" / framework
    for reference in ("ref", "refint"):
        (obj / reference).mkdir(parents=True, exist_ok=True)
        (obj / reference / "AsyncPatterns.dll").write_bytes(b"")
    shutil.rmtree(csharp_copy / "AsyncPatterns.Runner.Core" / "obj" / "Release", ignore_errors=True)
    for output in csharp_copy.glob("*/bin"):
        shutil.rmtree(output)
    harnesses = [_start_build(dotnet_cli, framework, csharp_copy) for _ in range(2)]
    said_by = [harness.communicate(timeout=900)[1] for harness in harnesses]
    assert [harness.returncode for harness in harnesses] == [0, 0], said_by
    # One cleaned and built; the other waited, said so, and then found the build done.
    assert sorted(said_by) == [
        "asyncconf: building csharp: dotnet build (no record of a finished build: cleaning obj/ and bin/ first)\n",
        "asyncconf: waiting for another asyncconf to finish building csharp/\n",
    ]
    _assert_runner_answers(dotnet_cli, dotnet.output_dir(framework, csharp_copy))


def test_a_failed_build_is_an_error_with_the_compilers_words(dotnet_cli: str, framework: str, built: Path) -> None:
    source = built / "AsyncPatterns" / "Timeout" / "TimeoutStrategy.cs"
    good = source.read_text()
    source.write_text(good + "\nthis is not C#\n")
    try:
        with pytest.raises(PrepareFailed, match=r"dotnet build failed: .*TimeoutStrategy\.cs.*error CS"):
            dotnet.build(dotnet_cli, framework, built)
    finally:
        source.write_text(good)


# -- C#: when to build, with a fake dotnet -------------------------------------------------------------------

FAKE_DOTNET = textwrap.dedent(
    """\
    #!{python}
    # `dotnet build PROJECT ...`: logs the call; fails as csc does on an empty reference assembly
    # while obj/broken exists; else writes the runner's output.
    import sys
    from pathlib import Path
    project = Path(sys.argv[2]).parent
    with open(project.parent / "calls.log", "a") as log:  # in the copy of csharp/
        log.write("build\\n")
    if (project / "obj" / "broken").exists():
        print("CSC : error CS0009: Metadata file 'ref/AsyncPatterns.dll' could not be opened -- "
              "PE image doesn't contain managed metadata.")
        sys.exit(1)
    (project / "obj").mkdir(exist_ok=True)
    output = project / "bin" / "Release" / "net10.0"
    output.mkdir(parents=True, exist_ok=True)
    for name in ("AsyncPatterns.Runner.Core.dll", "AsyncPatterns.Runner.dll"):
        (output / name).write_text("")
    """
)
FAKE_PROJECT = '<Project><ItemGroup><EmbeddedResource Include="../../spec/protocol.json" /></ItemGroup></Project>'


@pytest.fixture
def fake_dotnet(tmp_path: Path) -> tuple[str, Path]:
    """(a fake dotnet, a csharp/ of one project, which embeds ../spec/protocol.json)."""
    fake = tmp_path / "dotnet"
    fake.write_text(FAKE_DOTNET.format(python=sys.executable))
    fake.chmod(0o755)
    copy = tmp_path / "csharp"
    (copy / dotnet.RUNNER_PROJECT).parent.mkdir(parents=True)
    (copy / dotnet.RUNNER_PROJECT).write_text(FAKE_PROJECT)
    (copy / "AsyncPatterns.Runner" / "Program.cs").write_text("// the runner\n")
    (tmp_path / "spec").mkdir()
    (tmp_path / "spec" / "protocol.json").write_text("{}\n")
    return str(fake), copy


def test_the_runner_is_built_again_only_when_an_input_or_its_output_changed(
    fake_dotnet: tuple[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    fake, copy = fake_dotnet

    def build() -> str:
        dotnet.build(fake, "net10.0", copy)
        return capsys.readouterr().err.removeprefix("asyncconf: building csharp: dotnet build ")

    source = copy / "AsyncPatterns.Runner" / "Program.cs"
    assert build() == "(first build)\n"
    assert build() == ""
    os.utime(source, (time.time() + 5, time.time() + 5))
    assert build() == ""  # touched, not changed
    source.write_text("// an edit\n")
    assert build() == "(sources changed)\n"
    (copy.parent / "spec" / "protocol.json").write_text('{"limit_ms": 1}\n')
    assert build() == "(sources changed)\n"  # an input from outside csharp/, named by the project
    output = copy / "AsyncPatterns.Runner" / "bin" / "Release" / "net10.0"
    (output / "AsyncPatterns.Runner.dll").write_text("half written by a build by hand")
    assert build() == "(output changed since our build)\n"
    shutil.rmtree(output)
    assert build() == "(output missing)\n"
    assert (copy / "calls.log").read_text() == "build\n" * 5


def test_a_current_build_is_used_without_waiting_for_the_lock_and_a_stale_one_waits(
    fake_dotnet: tuple[str, Path],
) -> None:
    """``dotnet test`` beside pytest holds the build lock for its whole build: a harness whose runner
    is current must not wait for it (each pytest worker's first C# test waited about 18 s)."""
    fake, copy = fake_dotnet
    dotnet.build(fake, "net10.0", copy)
    with dotnet.build_lock(copy):  # another build of csharp/ is going on
        current = threading.Thread(target=dotnet.build, args=(fake, "net10.0", copy), daemon=True)
        current.start()
        current.join(5)
        assert not current.is_alive()  # not waiting for the lock
        (copy / "AsyncPatterns.Runner" / "Program.cs").write_text("// an edit\n")
        stale = threading.Thread(target=dotnet.build, args=(fake, "net10.0", copy), daemon=True)
        stale.start()
        stale.join(1.0)
        assert stale.is_alive()  # a build is needed: it waits its turn
    stale.join(60)
    assert not stale.is_alive()
    assert (copy / "calls.log").read_text() == "build\n" * 2


def test_a_build_failing_on_a_broken_reference_assembly_is_cleaned_and_built_again(
    fake_dotnet: tuple[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    fake, copy = fake_dotnet
    dotnet.build(fake, "net10.0", copy)
    capsys.readouterr()
    # A build since (not ours, or one that crossed our stamp) broke the output; then a source changed.
    (copy / "AsyncPatterns.Runner" / "obj" / "broken").write_text("")
    (copy / "AsyncPatterns.Runner" / "Program.cs").write_text("// an edit\n")
    dotnet.build(fake, "net10.0", copy)
    assert capsys.readouterr().err.splitlines() == [
        "asyncconf: building csharp: dotnet build (sources changed)",
        "asyncconf: building csharp: a reference assembly was broken: cleaning obj/ and bin/, building again",
    ]
    assert (copy / "calls.log").read_text() == "build\n" * 3


# -- JavaScript: npm ci, played by a fake npm ----------------------------------------------------------------

FAKE_NPM = textwrap.dedent(
    """\
    #!{python}
    # `npm ci`: starts a child (as npm does), logs both pids, takes `seconds` (a file beside it), installs.
    import os, subprocess, time
    from pathlib import Path
    here = Path(__file__).parent
    child = subprocess.Popen(["sleep", "600"])
    with open(here / "calls.log", "a") as log:
        log.write(f"{{os.getpid()}} {{child.pid}}\\n")
    time.sleep(float((here / "seconds").read_text()))
    Path("node_modules").mkdir(exist_ok=True)
    Path("node_modules/.package-lock.json").write_text("{{}}")  # as npm does, last
    child.kill()
    """
)


@pytest.fixture
def fake_npm(tmp_path: Path) -> Iterator[tuple[str, Path, Path]]:
    """(the node beside the fake npm, the project to install, the fake's folder)."""
    tools = tmp_path / "tools"
    tools.mkdir()
    (tools / "node").write_text("")  # only its folder matters: npm is looked for beside it
    (tools / "npm").write_text(FAKE_NPM.format(python=sys.executable))
    (tools / "npm").chmod(0o755)
    (tools / "seconds").write_text("0")
    project = tmp_path / "javascript"
    project.mkdir()
    (project / "package-lock.json").write_text("{}\n")
    yield str(tools / "node"), project, tools
    for npm, _child in _installs(tools):  # whatever a failed test left running
        with contextlib.suppress(ProcessLookupError):
            os.killpg(npm, signal.SIGKILL)


def _installs(tools: Path) -> list[tuple[int, int]]:
    """Each run of the fake npm: its pid (its group's too) and its child's."""
    log = tools / "calls.log"
    lines = log.read_text().splitlines() if log.exists() else []
    return [(int(npm), int(child)) for npm, child in (line.split() for line in lines)]


def _start_install(node_path: str, project: Path, tools: Path) -> subprocess.Popen[str]:
    """A harness running ``npm ci``, returned once the (fake) npm runs."""
    harness = subprocess.Popen(
        ctrl_c_reaches([sys.executable, "-c", INSTALL, node_path, str(project)]), stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 60
    while not _installs(tools):
        assert time.monotonic() < deadline and harness.poll() is None, "the fake npm did not start"
        time.sleep(0.05)
    return harness


def _wait_until_ended(pid: int, what: str) -> None:
    deadline = time.monotonic() + 10
    while _running(pid):
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def test_two_npm_ci_at_once_install_once(fake_npm: tuple[str, Path, Path]) -> None:
    node_path, project, tools = fake_npm
    (tools / "seconds").write_text("2")
    harnesses = [
        subprocess.Popen([sys.executable, "-c", INSTALL, node_path, str(project)], stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    said = [harness.communicate(timeout=120)[1] for harness in harnesses]
    assert [harness.returncode for harness in harnesses] == [0, 0], said
    assert len(_installs(tools)) == 1, said
    assert sorted(said) == [
        "asyncconf: preparing javascript: npm ci (node_modules missing)\n",
        "asyncconf: waiting for another asyncconf to finish installing javascript/ (npm ci)\n",
    ]


@linux_only
@pytest.mark.parametrize("interrupt", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_npm_ci_is_killed_whole_and_done_again(
    fake_npm: tuple[str, Path, Path], interrupt: signal.Signals, capsys: pytest.CaptureFixture[str]
) -> None:
    node_path, project, tools = fake_npm
    (tools / "seconds").write_text("600")
    (project / "node_modules").mkdir()  # half installed
    harness = _start_install(node_path, project, tools)
    try:
        harness.send_signal(interrupt)  # SIGTERM as the CLI takes it: exit_on_signals
        harness.communicate(timeout=30)
    finally:
        harness.kill()
    assert harness.returncode != 0
    [(npm, child)] = _installs(tools)
    _wait_until_ended(npm, "npm outlived the harness")
    _wait_until_ended(child, "npm's child outlived the harness")
    (tools / "seconds").write_text("0")
    node.prepare(node_path, project)  # no stamp: the half install is not trusted
    assert capsys.readouterr().err == "asyncconf: preparing javascript: npm ci (node_modules incomplete)\n"
    assert len(_installs(tools)) == 2
    node.prepare(node_path, project)
    assert len(_installs(tools)) == 2  # now it is


def test_node_modules_is_trusted_only_as_our_last_install_left_it(
    fake_npm: tuple[str, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    node_path, project, tools = fake_npm

    def prepare() -> str:
        node.prepare(node_path, project)
        return capsys.readouterr().err.removeprefix("asyncconf: preparing javascript: npm ci ")

    assert prepare() == "(node_modules missing)\n"
    assert prepare() == ""
    (project / "node_modules" / ".package-lock.json").write_text('{"packages": {"left-pad": {}}}')  # npm install
    assert prepare() == "(node_modules changed since our install)\n"
    (project / "node_modules" / ".package-lock.json").unlink()  # an `npm ci` by hand, interrupted
    assert prepare() == "(node_modules incomplete)\n"
    (project / "package-lock.json").write_text('{"lockfileVersion": 3}\n')
    assert prepare() == "(package-lock.json changed)\n"
    (project / STATE_DIR / "npm-ci.done").unlink()  # installed by an older harness, or by hand
    assert prepare() == "(no record of a finished install)\n"
    assert prepare() == ""
    assert len(_installs(tools)) == 5


@linux_only
def test_an_npm_ci_outliving_a_killed_harness_holds_the_lock_until_it_ends(fake_npm: tuple[str, Path, Path]) -> None:
    node_path, project, tools = fake_npm
    (tools / "seconds").write_text("600")
    harness = _start_install(node_path, project, tools)
    harness.kill()  # SIGKILL: no finally, no atexit -- npm, in a group of its own, goes on
    harness.communicate(timeout=30)
    [(npm, _child)] = _installs(tools)
    assert _running(npm)
    with (project / STATE_DIR / "npm-ci.lock").open("a") as lock:
        with pytest.raises(BlockingIOError):  # a harness starting now would wait, not install under it
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.killpg(npm, signal.SIGKILL)
        _wait_until_ended(npm, "npm did not end")
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # free once it ended
