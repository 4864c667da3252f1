"""The exercise checks: every reference passes, every registered mistake fails with its own hint,
stubs report "还没有作答", value answers are never printed, and broken learner code is reported."""
import re
import time

import pytest
import torch

from d2lutil import checks
from d2lutil.checks import REGISTRY, _verdict, check, progress

IDS = sorted(REGISTRY)
MISTAKES = [(key, i) for key in IDS for i in range(len(REGISTRY[key].mistakes))]
SECTIONS = ["6.1", "6.2", "6.3", "6.4", "6.5", "6.6", "7.1", "7.2", "7.3", "7.4", "7.5", "7.6", "7.7",
            "8.1", "8.2", "8.3", "8.4", "8.5", "8.6", "8.7", "9.1", "9.2", "9.3", "9.4"]


@pytest.fixture(autouse=True)
def fresh_kernel(monkeypatch, one_thread):
    """Each test sees an empty record of results, as a fresh kernel would."""
    monkeypatch.setattr(checks, "_results", {})


def run(exercise_id, answer, capsys):
    """(passed, printed output) of one check; ``check`` itself returns None, ``_verdict`` is what it wraps."""
    passed = _verdict(exercise_id, answer)
    return passed, capsys.readouterr().out


def stub_answer(ex):
    namespace = {}
    exec(ex.stub, namespace)
    return namespace[ex.name]


def test_coverage_every_section_and_at_least_50_checks():
    sections = {".".join(key.split(".")[:2]) for key in IDS}
    assert set(SECTIONS) <= sections, f"sections without a check: {set(SECTIONS) - sections}"
    assert len(IDS) >= 50


@pytest.mark.parametrize("exercise_id", IDS)
def test_reference_passes_quickly(exercise_id, capsys):
    start = time.perf_counter()
    passed, out = run(exercise_id, REGISTRY[exercise_id].reference, capsys)
    assert passed and out.startswith("通过："), out
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize("exercise_id,index", MISTAKES, ids=[f"{key}-{i}" for key, i in MISTAKES])
def test_mistake_fails_with_its_own_hint(exercise_id, index, capsys):
    mistake = REGISTRY[exercise_id].mistakes[index]
    passed, out = run(exercise_id, mistake.answer, capsys)
    assert not passed and out.startswith("未通过：")
    assert f"提示：{mistake.hint}" in out


@pytest.mark.parametrize("exercise_id", IDS)
def test_untouched_stub_reports_not_answered(exercise_id, capsys):
    passed, out = run(exercise_id, stub_answer(REGISTRY[exercise_id]), capsys)
    assert not passed and "还没有作答" in out
    assert checks._results[exercise_id] == "未作答"


def _printed_forms(value) -> list[str]:
    """Ways a value answer could appear in the output (only those long enough to be unambiguous)."""
    if isinstance(value, torch.Tensor):
        return [str(value.tolist())]
    forms = [repr(value), str(value)] + ([f"{value:,}", f"{value:.4g}"] if isinstance(value, (int, float)) else [])
    return [form for form in forms if len(form) >= 3]


VALUE_IDS = [key for key in IDS if REGISTRY[key].cases is None]


@pytest.mark.parametrize("exercise_id", VALUE_IDS)
def test_value_answer_is_never_printed(exercise_id, capsys):
    ex = REGISTRY[exercise_id]
    wrong = [m.answer for m in ex.mistakes] + ["not a number", -12345]
    for answer in wrong:
        _, out = run(exercise_id, answer, capsys)
        for form in _printed_forms(ex.reference):
            assert not re.search(rf"(?<![\d.]){re.escape(form)}(?![\d])", out), (form, out)


def test_wrong_number_is_described_without_the_value(capsys):
    _, out = run("6.3.3", 80, capsys)
    assert "偏小" in out and "8000" not in out
    _, out = run("8.4.1", 29, capsys)
    assert "差了 1" in out and "28" not in out


def test_code_that_raises_is_reported_with_type_message_and_hint(capsys):
    def output_shape(*args):
        raise ZeroDivisionError("my bug")
    passed, out = run("6.3.2", output_shape, capsys)
    assert not passed
    assert "ZeroDivisionError: my bug" in out and f"提示：{REGISTRY['6.3.2'].hint}" in out


def test_function_that_returns_none_later_is_a_failure_not_a_stub(capsys):
    def min_kernel_size(d):
        return 2 if d == 1 else None
    passed, out = run("6.2.4c", min_kernel_size, capsys)
    assert not passed and "返回了 None" in out


def test_check_returns_none_and_records_the_verdict(capsys):
    """A notebook cell ending with d2l.check(...) must show only the printed verdict, not an echoed bool."""
    assert check("6.3.1", (2, 2)) is None
    assert check("6.3.3", 1) is None
    assert capsys.readouterr().out.startswith("通过：6.3.1")
    assert checks._results == {"6.3.1": "通过", "6.3.3": "未通过"}


ID_PATTERN = re.compile(r"(\d)\.(\d)\.(\d)([a-z]?)")


@pytest.mark.parametrize("exercise_id", IDS)
def test_id_follows_the_numbering_scheme(exercise_id):
    """x.y.0 (the section's text), x.y.n (exercise n) and an optional letter (a part of that exercise)."""
    assert ID_PATTERN.fullmatch(exercise_id), exercise_id


def test_unknown_id_names_the_argument_and_the_known_ids():
    with pytest.raises(ValueError, match=r"exercise_id '6\.3\.99'.*6\.3\.2"):
        check("6.3.99", None)


def test_progress_prints_one_line_with_each_status(capsys):
    progress()
    assert capsys.readouterr().out == "动手试一试：这个内核里还没有运行过检查。\n"
    check("6.3.1", (2, 2))
    check("6.3.2", None)
    check("6.3.3", 1)
    capsys.readouterr()
    progress()
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    assert out.startswith("动手试一试：1/3 个检查已通过")
    assert "6.3.1 通过" in out and "6.3.2 未作答" in out and "6.3.3 未通过" in out


@pytest.mark.parametrize("exercise_id", IDS)
def test_stub_and_title_are_notebook_ready(exercise_id):
    ex = REGISTRY[exercise_id]
    assert "\n" not in ex.title and re.search(r"[\u4e00-\u9fff]", ex.title)
    compile(ex.stub, exercise_id, "exec")
    assert ex.name.isidentifier() and ex.hint
