"""``python -m autograd draw | trace | demo``: pictures written, traces printed, bad input refused.

Most cases call ``main()`` in this process (the same code as the command line); the
ones that matter end to end (a hostile EXPR, a written PNG, the trace golden files, a
missing ``dot``) run the real ``python -m autograd`` in a subprocess.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograd.__main__ import EXIT_BAD_INPUT, EXIT_NO_GRAPHVIZ, main
from tests.golden.cases import CLI_CASES, GOLDEN

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
NEURON = ["tanh(x*w + b)", "--let", "x=2", "w=-3", "b=6.88"]


def run(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "autograd", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=60,
    )


# --------------------------------------------------------------------------- draw


def test_draw_writes_a_png_and_prints_the_value_gradients_and_path(tmp_path: Path) -> None:
    out = tmp_path / "graph.png"
    done = run("draw", *NEURON, "--out", str(out), "--edge-derivatives")
    assert done.returncode == 0, done.stderr
    png = out.read_bytes()
    assert png.startswith(PNG_MAGIC) and len(png) > 2000
    t = math.tanh(2 * -3 + 6.88)  # by hand
    lines = done.stdout.splitlines()
    assert lines[0] == f"f = tanh(x*w + b) = {t:.6g}"
    assert lines[1:4] == [
        f"  ∂f/∂x = {-3 * (1 - t * t):.6g}",
        f"  ∂f/∂w = {2 * (1 - t * t):.6g}",
        f"  ∂f/∂b = {1 - t * t:.6g}",
    ]
    assert lines[4] == f"graph written to {out}"


def test_draw_to_dot_needs_no_program_and_shows_the_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "graph.dot"
    assert main(["draw", *NEURON, "--out", str(out), "--no-grads"]) == 0
    source = out.read_text(encoding="utf-8")
    assert "| grad" not in source and "tanh" in source
    assert main(["draw", *NEURON, "--out", str(out), "--edge-derivatives"]) == 0
    t = math.tanh(0.88)
    assert f"label={1 - t * t:.4g}" in out.read_text(encoding="utf-8")
    assert main(["draw", *NEURON, "--out", str(out), "--focus", "b"]) == 0
    focused = out.read_text(encoding="utf-8")
    assert "{b | data 6.88" in focused and "{x | data 2" not in focused  # x is not an input of a drawn node


def test_draw_without_dot_fails_with_status_1_naming_the_program(tmp_path: Path) -> None:
    out = tmp_path / "graph.png"
    env = {**os.environ, "PATH": str(tmp_path / "no-programs-here")}
    done = run("draw", *NEURON, "--out", str(out), env=env)
    assert done.returncode == EXIT_NO_GRAPHVIZ
    assert "`dot`" in done.stderr and "apt-get install graphviz" in done.stderr
    assert "Traceback" not in done.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- trace


@pytest.mark.parametrize("name", sorted(CLI_CASES))
def test_trace_prints_the_golden_formula(name: str) -> None:
    done = run(*CLI_CASES[name])
    assert done.returncode == 0, done.stderr
    assert done.stdout == (GOLDEN / name).read_text(encoding="utf-8"), (
        "if meant: python -m tests.golden.regenerate"
    )


def test_trace_total_is_the_gradient(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", "x*x + x", "--let", "x=3", "--wrt", "x"]) == 0
    assert capsys.readouterr().out.rstrip().endswith("= 7")  # d(x² + x)/dx = 2x + 1 = 7 at x = 3


@pytest.mark.parametrize(
    ("names", "output"),
    [(["x"], "f"), (["x", "f"], "f2"), (["x", "f", "out", "f_out"], "f2"), (["x", "f", "f2"], "f3")],
)
def test_the_output_gets_a_name_no_input_uses(
    names: list[str], output: str, capsys: pytest.CaptureFixture[str]
) -> None:
    lets = [f"{name}=1" for name in names]
    assert main(["trace", "x*1", "--let", *lets, "--wrt", "x"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith(f"∂{output}/∂x"), printed
    assert printed.rstrip().endswith("= 1")  # d(x·1)/dx


# --------------------------------------------------------------------------- help and demo


def test_help_shows_examples() -> None:
    done = run("--help")
    assert done.returncode == 0
    assert 'python -m autograd draw "tanh(x*w + b)" --let x=2 w=-3 b=6.88 --out graph.png' in done.stdout
    assert "--wrt w" in done.stdout and "exit status" in done.stdout
    for command in ("draw", "trace"):
        sub = run(command, "--help")
        assert sub.returncode == 0 and "examples:" in sub.stdout and "tanh, sigmoid, relu" in sub.stdout


def test_demo_writes_demo_png_and_prints_its_path(tmp_path: Path) -> None:
    done = run("demo", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    png = (tmp_path / "demo.png").read_bytes()
    assert png.startswith(PNG_MAGIC) and len(png) > 10_000
    assert "Computation graph written to demo.png" in done.stdout
    assert len(done.stdout.splitlines()) < 40


# --------------------------------------------------------------------------- refused

HOSTILE = [
    "__import__('os').system('touch {marker}')",
    "__import__('os')",
    "open('{marker}', 'w')",
    "eval('1+1')",
    "exec('x=1')",
    "globals()",
    "x.__class__.__bases__",
    "(lambda: 0)()",
    "[c for c in 'ab']",
    "x[0]",
    "'a' * 3",
    "b'x'",
    "tanh(x=1)",
    "tanh(*[x])",
    "(y := x)",
    "z + 1",
    "x // 2",
    "x < 1",
    "x if x else 1",
    "f'{{x}}'",
    "1e999 * x",
    "9" * 400,
    "2 ** 100000",
    "log(x - 2)",
    "x +",
    "x; x",
    "import os",
    "",
    "x + " * 200 + "x",
]


@pytest.mark.parametrize("expression", HOSTILE, ids=[repr(e[:30]) for e in HOSTILE])
@pytest.mark.parametrize("command", ["draw", "trace"])
def test_refused_expressions_exit_2_with_one_message_and_write_nothing(
    expression: str, command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    marker = tmp_path / "pwned"
    out = tmp_path / "graph.png"
    extra = ["--out", str(out)] if command == "draw" else ["--wrt", "x"]
    status = main([command, expression.format(marker=marker), "--let", "x=2", *extra])
    assert status == EXIT_BAD_INPUT
    captured = capsys.readouterr()
    first, *rest = captured.err.splitlines()
    assert first.startswith(f"python -m autograd {command}: error: ")
    assert len(rest) in (0, 2)  # at most the expression and a caret under the column
    assert captured.out == ""
    assert list(tmp_path.iterdir()) == []


def test_a_hostile_expression_run_for_real_does_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    done = run("draw", f"__import__('os').system('touch {marker}')", "--out", str(tmp_path / "g.png"))
    assert done.returncode == EXIT_BAD_INPUT
    assert "attribute access (.system) is not allowed" in done.stderr
    assert "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--let", "x"], "expected name=number"),
        (["--let", "x=two"], "'two' is not a number"),
        (["--let", "1x=2"], "not a valid name"),
        (["--let", "x=2", "x=3"], "'x' is given twice"),
        (["--let", "x=nan"], "finite"),
        (["--let", "tanh=1"], "function's name"),
    ],
)
def test_bad_let_exits_2(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", "x", "--wrt", "x", *args]) == EXIT_BAD_INPUT
    assert message in capsys.readouterr().err


def test_wrt_and_focus_must_be_given_names(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["trace", *NEURON, "--wrt", "q"]) == EXIT_BAD_INPUT
    assert "--wrt q: not a name given with --let (x, w, b)" in capsys.readouterr().err
    assert main(["draw", *NEURON, "--focus", "q", "--out", str(tmp_path / "g.dot")]) == EXIT_BAD_INPUT
    assert "--focus q" in capsys.readouterr().err
    with pytest.raises(SystemExit) as missing:
        main(["trace", *NEURON])
    assert missing.value.code == 2  # argparse: --wrt is required
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("out", "message"),
    [
        ("missing/graph.png", "does not exist"),
        ("file.txt/graph.png", "does not exist"),
        ("graph.jpeg", "use one of .png, .svg, .pdf, .dot, .gv"),
        ("adir.png", "is a directory"),
        ("/proc/graph.dot", "/proc"),
    ],
)
def test_bad_output_paths_exit_2_before_any_work(
    out: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "file.txt").write_text("a file, not a directory")
    (tmp_path / "adir.png").mkdir()
    target = out if out.startswith("/") else str(tmp_path / out)
    assert main(["draw", *NEURON, "--out", target]) == EXIT_BAD_INPUT
    captured = capsys.readouterr()
    assert message in captured.err and captured.out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adir.png", "file.txt"]


@pytest.mark.parametrize(
    ("out", "message"),
    [("exist.png/", "so it names a directory, not a file"), ("", "the output path is empty")],
)
@pytest.mark.parametrize("command", ["draw", "demo"])
def test_a_trailing_separator_or_an_empty_out_exits_2_and_writes_nothing(
    out: str, message: str, command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--out exist.png/`` wrote exist.png and exited 0; ``--out ""`` spoke of the format of '.'."""
    (tmp_path / "exist.png").write_bytes(b"before")
    target = f"{tmp_path}/{out}" if out else out
    args = ["draw", *NEURON] if command == "draw" else ["demo"]
    assert main([*args, "--out", target]) == EXIT_BAD_INPUT
    captured = capsys.readouterr()
    assert message in captured.err and captured.out == ""
    assert [p.name for p in tmp_path.iterdir()] == ["exist.png"]
    assert (tmp_path / "exist.png").read_bytes() == b"before"


@pytest.mark.parametrize(
    ("out", "message"),
    [
        ("missing/demo.png", "does not exist"),
        ("demo.txt", "use one of .png, .svg, .pdf, .dot, .gv"),
        ("adir.png", "is a directory"),
    ],
)
def test_demo_with_a_bad_out_exits_2_on_stderr_and_writes_nothing(
    out: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--help promises exit 2 for a bad output path; the demo printed "(no picture: …)" and exited 0."""
    (tmp_path / "adir.png").mkdir()
    assert main(["demo", "--out", str(tmp_path / out)]) == EXIT_BAD_INPUT
    captured = capsys.readouterr()
    assert captured.err.startswith("python -m autograd demo: error: save_graph: ") and message in captured.err
    assert captured.out == ""  # refused before any work
    assert [p.name for p in tmp_path.iterdir()] == ["adir.png"]


def test_demo_without_dot_still_prints_its_numbers_and_exits_0(tmp_path: Path) -> None:
    """The one soft failure left: no Graphviz program means no picture, with a note."""
    env = {**os.environ, "PATH": str(tmp_path)}  # no dot on it
    done = run("demo", "--out", str(tmp_path / "demo.png"), env=env)
    assert done.returncode == 0, done.stderr
    assert "(no picture: " in done.stdout and "∂L/∂w4 = " in done.stdout
    assert not (tmp_path / "demo.png").exists()


def test_wrt_and_focus_are_read_as_let_reads_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A full-width ｘ given to --let is x (NFKC, as Python reads names); --wrt ｘ was not."""
    assert main(["trace", "x*y", "--let", "ｘ=2", "y=3", "--wrt", "ｘ"]) == 0
    assert "∂f/∂x = 3" in capsys.readouterr().out
    assert (
        main(["draw", "x*y", "--let", "ｘ=2", "y=3", "--focus", "ｘ", "--out", str(tmp_path / "g.dot")]) == 0
    )
    assert "graph written to" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--let", "x=1", "x*2", "--wrt", "x"],
            "--let took 'x*2' as one of its NAME=NUMBER inputs; put EXPR first",
        ),
        (
            ["-x*w", "--let", "x=1", "w=2", "--wrt", "x"],
            "'-x*w' starts with '-', so it was read as an option",
        ),
        (["--wrt", "x"], "the following arguments are required: EXPR"),
    ],
)
def test_a_missing_expr_says_why(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    """``--let x=1 "x*2"`` swallowed EXPR and an EXPR starting with '-' was taken for an option;
    argparse only said "the following arguments are required: EXPR"."""
    with pytest.raises(SystemExit) as refused:
        main(["trace", *args])
    assert refused.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "usage: python -m autograd trace [-h] EXPR [--let" in err


def test_the_ways_out_the_help_gives_work(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", "--let", "x=1", "w=2", "--wrt", "x", "--", "-x*w"]) == 0
    assert main(["trace", " -x*w", "--let", "x=1", "w=2", "--wrt", "x"]) == 0
    assert main(["trace", "--let", "x=1", "--wrt", "x", "--", "x*2"]) == 0
    out = capsys.readouterr().out
    assert out.count("= -2") >= 2 and "= 2" in out
    help_text = run("trace", "--help").stdout
    assert "EXPR comes first" in help_text and '-- "-x*w"' in help_text


# --------------------------------------------------------------------------- pictures for slides


def test_draw_numbers_the_inputs_of_b_minus_a(tmp_path: Path) -> None:
    """``draw "b - a"`` drew a above b into a bare "−": f = −3 read as a − b."""
    out = tmp_path / "graph.dot"
    assert main(["draw", "b - a", "--let", "a=5", "b=2", "--out", str(out)]) == 0
    source = out.read_text(encoding="utf-8")
    names = {
        label: line.split()[0] for line in source.splitlines() for label in "ab" if f'"{{{label} |' in line
    }
    assert f"{names['b']} -> n2op:in1:w" in source and f"{names['a']} -> n2op:in2:w" in source


def test_rankdir_and_digits_reach_the_picture(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "graph.dot"
    assert main(["draw", *NEURON, "--out", str(out), "--rankdir", "tb", "--digits", "7"]) == 0
    source = out.read_text(encoding="utf-8")
    t = math.tanh(2 * -3 + 6.88)
    assert "rankdir=TB" in source and f"data {t:.7g}" in source
    demo_out = tmp_path / "demo.dot"
    assert main(["demo", "--out", str(demo_out), "--rankdir", "BT", "--digits", "2"]) == 0
    assert "rankdir=BT" in demo_out.read_text(encoding="utf-8")
    assert "{L | data 0.24 | grad 1}" in demo_out.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--rankdir", "up"], "argument --rankdir: invalid choice: 'UP'"),
        (["--digits", "0"], "argument --digits: 0 is not from 1 to 17"),
        (["--digits", "2.5"], "argument --digits: '2.5' is not a whole number"),
    ],
)
@pytest.mark.parametrize("command", [["draw", *NEURON], ["demo"]])
def test_bad_rankdir_or_digits_exit_2_and_write_nothing(
    command: list[str], args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main([*command, "--out", str(tmp_path / "x.png"), *args])
    assert exited.value.code == EXIT_BAD_INPUT
    assert message in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_without_out_the_help_and_the_output_say_where_the_picture_goes(tmp_path: Path) -> None:
    for command, default in (("draw", "graph.png"), ("demo", "demo.png")):
        helped = " ".join(run(command, "--help").stdout.split())
        assert f"(default {default} in the current directory; the path written is printed)" in helped
        assert "--rankdir DIR" in helped and "--digits N" in helped
    done = run("draw", *NEURON, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == f"graph written to graph.png (in {tmp_path.resolve()})"
    assert (tmp_path / "graph.png").read_bytes().startswith(PNG_MAGIC)
