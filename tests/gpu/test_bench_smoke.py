"""The GPU benchmark's code path, run on the CPU at tiny sizes (benchmarks/gpu.py --smoke)."""
import importlib.util
import json
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "gpu.py"


def test_gpu_benchmark_smoke_mode_runs_on_cpu(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("bench_gpu", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    results = bench.main(["--smoke", "--json", str(tmp_path / "out.json")])
    assert json.loads((tmp_path / "out.json").read_text()) == results
    (cnn,), (rnn,) = results["cnn"], results["rnn"]
    assert cnn["model"] == "lenet" and cnn["examples_per_sec"] > 0 and cnn["ceiling"] > 0
    assert rnn["model"] == "rnn_concise" and rnn["tokens_per_sec"] > 0
    assert results["tf32"] is False and results["amp"] is False
    assert "the book's V100" in capsys.readouterr().out
