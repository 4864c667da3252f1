"""The course report's headline numbers come from what a notebook printed, not from quoted figures."""
import sys
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import course_report  # noqa: E402


def notebook_printing(*texts: str):
    cells = [nbformat.v4.new_code_cell(outputs=[nbformat.v4.new_output("stream", name="stdout", text=t)])
             for t in texts]
    return nbformat.v4.new_notebook(cells=cells)


def test_test_accuracy_is_the_training_result_not_a_quoted_book_line():
    nb = notebook_printing("loss 0.424, train acc 0.843, test acc 0.844\n820.7 examples/sec on cpu\n",
                           "book's diverged build: loss nan, train acc 0.100, test acc 0.100\n")
    found = course_report.headline_numbers(nb)
    assert found["test_acc"] == "0.844"
    assert found["examples_per_sec"] == "820.7"


def test_last_training_run_wins_and_other_accuracies_are_a_fallback():
    two_runs = notebook_printing("loss 0.5, train acc 0.8, test acc 0.81\n100.0 examples/sec on cpu\n",
                                 "loss 0.4, train acc 0.9, test acc 0.85\n120.0 examples/sec on cpu\n")
    assert course_report.headline_numbers(two_runs)["test_acc"] == "0.85"
    table_only = notebook_printing("variant A   test acc 0.700\nvariant B   test acc 0.725\n")
    assert course_report.headline_numbers(table_only)["test_acc"] == "0.725"


def test_perplexities_are_told_apart():
    nb = notebook_printing("perplexity 3.8, held-out perplexity 9.1, 9000.0 tokens/sec on cpu\n")
    found = course_report.headline_numbers(nb)
    assert (found["perplexity"], found["held_out_perplexity"], found["tokens_per_sec"]) == ("3.8", "9.1", "9000.0")


def test_the_report_names_each_rows_machine(tmp_path):
    rows = [dict.fromkeys(course_report.FIELDS, "") | {"notebook": name, "wall_s": "1.0", "machine": machine}
            for name, machine in (("a.ipynb", "CPU fast"), ("b.ipynb", "CPU slow"), ("c.ipynb", "CPU slow"))]
    course_report.update_report(rows, "smoke", 1, tmp_path)
    header = (tmp_path / "course-smoke.md").read_text().splitlines()[2]
    assert "CPU slow (2 notebooks); CPU fast (1 notebook)" in header
    assert course_report.read_rows(tmp_path, "smoke")["a.ipynb"]["machine"] == "CPU fast"


def test_the_cpu_is_named_with_family_model_and_vector_instructions(tmp_path):
    """Virtual machines may all say "AMD EPYC"; family, model and AVX level tell a Zen 5 from an older one."""
    cpuinfo = tmp_path / "cpuinfo"
    one_cpu = "processor\t: {}\ncpu family\t: 26\nmodel\t\t: 2\nmodel name\t: AMD EPYC\nflags\t\t: fpu avx avx2 {}\n"
    cpuinfo.write_text(one_cpu.format(0, "avx512f") + "\n" + one_cpu.format(1, "avx512f"))
    assert course_report.cpu_name(str(cpuinfo)) == "AMD EPYC (family 26, model 2, AVX-512)"
    cpuinfo.write_text(one_cpu.format(0, ""))
    assert course_report.cpu_name(str(cpuinfo)) == "AMD EPYC (family 26, model 2, AVX2)"
    cpuinfo.write_text("model name\t: Some CPU\n")
    assert course_report.cpu_name(str(cpuinfo)) == "Some CPU"
    assert course_report.cpu_name(str(tmp_path / "missing")) != ""
