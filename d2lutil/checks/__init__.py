"""Exercise checks ("动手试一试"): run a learner's answer on several cases and say what is wrong.

``check("6.3.2", output_shape)`` calls the learner's function on the registered cases (or compares
a value answer), prints "通过" or the first failing case with what was expected against what came
back, and a hint aimed at the likely mistake. Known wrong answers are registered with each check;
an answer that behaves like one of them gets that mistake's own hint. Value answers are never
revealed: a wrong number is described as too large/small or off by one. Nothing is stored or sent
anywhere: ``progress()`` only reports the checks run in this kernel. The cases and reference
answers live in ``ch6`` ... ``ch9``, away from the section notebooks. ``check`` prints and returns
None (the verdict is recorded for ``progress()``).

Ids: ``x.y.0`` practises the text of section x.y; ``x.y.n`` is that section's exercise n (sometimes
a simpler version of it); a trailing letter is one part of that exercise (``6.2.4c`` is part (c)).
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any, Callable

import torch


@dataclass(frozen=True)
class Mistake:
    """A wrong answer that shows one misconception, and the hint for learners whose answer behaves like it."""
    answer: Any
    hint: str


@dataclass(frozen=True)
class Exercise:
    """One check: ``cases`` (a factory of ``(label, args)``, called anew for every run) for a function
    answer, ``None`` for a value answer; ``observe`` turns a result into what is compared."""
    id: str
    title: str
    signature: str
    doc: str
    reference: Any
    hint: str
    cases: Callable[[], list[tuple[str, tuple]]] | None = None
    mistakes: tuple[Mistake, ...] = ()
    observe: Callable[[Any], Any] = staticmethod(lambda result: result)

    @property
    def name(self) -> str:
        return self.signature.split("(")[0]

    @property
    def stub(self) -> str:
        """The code cell a learner starts from: a function that returns None, or ``name = None``."""
        if self.cases is None:
            return f"{self.name} = None  # 在这里填入你的答案（{self.doc}）"
        return f'def {self.signature}:\n    """{self.doc}"""\n    # 在这里写出你的答案\n    ...'


class _Untouched(Exception):
    """The answer is still the stub (None, ``...``, or a function that returns None)."""


REGISTRY: dict[str, Exercise] = {}
_results: dict[str, str] = {}  # this kernel only: id -> "通过" / "未通过" / "未作答"


def register(exercise_id: str, **fields) -> None:
    """Add a check to the registry (used by the chapter modules)."""
    if exercise_id in REGISTRY:
        raise ValueError(f"exercise_id {exercise_id!r} is registered twice")
    REGISTRY[exercise_id] = Exercise(exercise_id, **fields)


def _close(expected: float, got: float) -> bool:
    """Counts must match exactly; measured (float) answers to four significant digits."""
    if isinstance(expected, numbers.Integral) and isinstance(got, numbers.Integral):
        return expected == got
    return math.isclose(expected, got, rel_tol=1e-4, abs_tol=1e-6)


def _direction(expected: float, got: float) -> str:
    """A wrong number described without giving the right one away."""
    if got == expected + 1 or got == expected - 1:
        return f"差了 1（{'多' if got > expected else '少'}算了一个）"
    if expected == 0 or got == 0 or (got > 0) != (expected > 0):
        return "符号或零点不对"
    ratio = abs(got / expected)
    word = "偏大" if ratio > 1 else "偏小"
    ratio = max(ratio, 1 / ratio)
    if ratio < 2:
        return f"{word}，但不到 2 倍"
    return f"{word}，相差 2 到 10 倍" if ratio < 10 else f"{word}，相差 {10 ** int(math.log10(ratio)):,} 倍以上"


def _first(values: torch.Tensor) -> str:
    return "[" + ", ".join(f"{v:.4g}" for v in values.detach().flatten()[:4].tolist()) + ", ...]"


def _tensor_difference(expected: torch.Tensor, got, reveal: bool) -> str | None:
    if not isinstance(got, torch.Tensor):
        return f"应返回 torch.Tensor，得到 {type(got).__name__}"
    if got.shape != expected.shape:
        return f"形状：期望 {tuple(expected.shape)}，得到 {tuple(got.shape)}"
    if got.is_floating_point() != expected.is_floating_point():
        return f"dtype：期望 {expected.dtype}，得到 {got.dtype}"
    if torch.allclose(got.detach().double(), expected.double(), rtol=1e-4, atol=1e-5, equal_nan=True):
        return None
    shown = f"期望 {_first(expected)}，" if reveal else ""
    return (f"形状对了，数值不对：{shown}得到 {_first(got)}"
            f"（最大误差 {(got.detach().double() - expected.double()).abs().max().item():.3g}）")


def _difference(expected, got, reveal: bool) -> str | None:
    """None when ``got`` matches ``expected``, else a short Chinese description of the difference."""
    if isinstance(got, torch.Tensor) and got.dim() == 0 and not isinstance(expected, torch.Tensor):
        got = got.item()
    if isinstance(expected, torch.Tensor):
        return _tensor_difference(expected, got, reveal)
    if isinstance(expected, bool) or not isinstance(expected, (numbers.Number, tuple, list, dict)):
        return None if got == expected else (f"期望 {expected!r}，得到 {got!r}" if reveal else f"{got!r} 不对")
    if isinstance(expected, numbers.Number):
        if isinstance(got, bool) or not isinstance(got, numbers.Number):
            return f"应是一个数，得到 {type(got).__name__}"
        if _close(expected, got):
            return None
        return f"期望 {expected!r}，得到 {got!r}" if reveal else f"{got!r} {_direction(expected, got)}"
    if isinstance(expected, dict):
        if not isinstance(got, dict) or set(got) != set(expected):
            return f"应是含键 {sorted(expected)} 的字典，得到 {got!r}"
        pairs = [(f"「{key}」", expected[key], got[key]) for key in expected]
    else:
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            size = len(got) if isinstance(got, (tuple, list)) else type(got).__name__
            return f"应有 {len(expected)} 项，得到 {size}"
        pairs = [(f"第 {i + 1} 项", e, g) for i, (e, g) in enumerate(zip(expected, got))]
    for where, e, g in pairs:
        diff = _difference(e, g, reveal)
        if diff:
            return f"{where}：{diff}"
    return None


def _behaviour(ex: Exercise, answer) -> list:
    """What ``answer`` gives on every case (an exception counts as its type name), or the value itself."""
    if ex.cases is None:
        return [answer]
    outputs = []
    for _, args in ex.cases():
        try:
            outputs.append(ex.observe(answer(*args)))
        except Exception as err:
            outputs.append(("raised", type(err).__name__))
    return outputs


def _hint_for(ex: Exercise, answer) -> str:
    """The hint of the registered mistake that ``answer`` behaves like, else the general hint."""
    mine = _behaviour(ex, answer)
    for mistake in ex.mistakes:
        theirs = _behaviour(ex, mistake.answer)
        if all(_difference(t, m, reveal=True) is None for t, m in zip(theirs, mine)):
            return mistake.hint
    return ex.hint


def _first_failure(ex: Exercise, answer) -> tuple[str | None, int]:
    """(description of the first failing case or None, number of cases); raises on an untouched stub."""
    if ex.cases is None:
        diff = _difference(ex.reference, answer, reveal=False)
        return (f"你的答案 {diff}" if diff else None), 1
    cases, fresh = ex.cases(), ex.cases()  # fresh arguments for the reference: the answer may change its own
    for i, ((label, args), (_, reference_args)) in enumerate(zip(cases, fresh)):
        try:
            got = answer(*args)
        except Exception as err:
            return f"情形「{label}」出错：{type(err).__name__}: {err}", len(cases)
        if got is None and i == 0:
            raise _Untouched
        if got is None:
            return f"情形「{label}」：返回了 None（忘了 return？）", len(cases)
        try:
            got = ex.observe(got)
        except Exception as err:
            return f"情形「{label}」出错：{type(err).__name__}: {err}", len(cases)
        diff = _difference(ex.observe(ex.reference(*reference_args)), got, reveal=True)
        if diff:
            return f"情形「{label}」：{diff}", len(cases)
    return None, len(cases)


def check(exercise_id: str, answer) -> None:
    """Check a learner's answer to exercise ``exercise_id`` and print the verdict; never raises on the answer.

    Returns None, so that a notebook cell ending with ``d2l.check(...)`` shows only the printed verdict
    (a returned bool would be echoed under it); the verdict is kept for :func:`progress`."""
    _verdict(exercise_id, answer)


def _verdict(exercise_id: str, answer) -> bool:
    """What :func:`check` does, returning whether the answer passed (for the tests)."""
    if exercise_id not in REGISTRY:
        section = exercise_id.rsplit(".", 1)[0]
        known = [key for key in REGISTRY if key.startswith(section + ".")] or list(REGISTRY)[:5]
        raise ValueError(f"exercise_id {exercise_id!r} is not a registered check; expected one of "
                         f"{', '.join(known)} (copy the id from the check cell)")
    ex = REGISTRY[exercise_id]
    try:
        if answer is None or answer is Ellipsis:
            raise _Untouched
        failure, num_cases = _first_failure(ex, answer)
    except _Untouched:
        _results[exercise_id] = "未作答"
        print(f"{exercise_id}：还没有作答。填好上面的单元并运行它，再运行这个单元。")
        return False
    if failure is None:
        _results[exercise_id] = "通过"
        print(f"通过：{exercise_id}" + (f"，{num_cases} 个情形全部正确。" if ex.cases else "，答对了。"))
        return True
    _results[exercise_id] = "未通过"
    print(f"未通过：{exercise_id}。{failure}\n提示：{_hint_for(ex, answer)}")
    return False


def progress() -> None:
    """Print one line: the checks run in this kernel and how each one went (nothing is saved)."""
    if not _results:
        print("动手试一试：这个内核里还没有运行过检查。")
        return
    passed = sum(status == "通过" for status in _results.values())
    detail = "，".join(f"{key} {status}" for key, status in _results.items())
    print(f"动手试一试：{passed}/{len(_results)} 个检查已通过（{detail}）")


from . import ch6, ch7, ch8, ch9  # noqa: E402,F401  (registers the checks)
