"""The course report: one row per notebook with what it cost and what it printed.

Rows are written by scripts/run_notebooks.py from the same execution that produces a notebook's
committed outputs, so the report and the notebooks cannot disagree. Each row holds the wall time,
the kernel's peak memory, the share of the CPUs that other processes used meanwhile, and the
headline numbers found in the outputs (the last test accuracy, perplexity, examples/s, tokens/s).
"""
from __future__ import annotations

import collections
import csv
import os
import platform
import re
import time
from pathlib import Path

# train_ch6 prints "loss L, train acc A, test acc T" and then "N examples/sec on DEVICE": matching
# the pair skips other lines that quote an accuracy (such as the book's results printed beside ours).
TRAIN_CH6_RESULT = re.compile(r"test acc ([0-9.]+|nan)\s*\n\s*[0-9.]+ examples/sec")
HEADLINES = {
    "test_acc": re.compile(r"test acc(?:uracy)?[ :=]+([0-9.]+)"),
    "perplexity": re.compile(r"(?<!held-out )perplexity[ :=]+([0-9.]+)"),
    "held_out_perplexity": re.compile(r"held-out perplexity[ :=]+([0-9.]+)"),
    "examples_per_sec": re.compile(r"([0-9.]+) examples/sec"),
    "tokens_per_sec": re.compile(r"([0-9.]+) tokens/sec"),
}
FIELDS = ["notebook", "profile", "wall_s", "peak_rss_mb", "others_cpu_pct", "status", *HEADLINES, "within_goal",
          "machine"]
GOALS = {"cpu": (180.0, 1536.0)}  # seconds, MB per notebook


def printed_text(nb) -> str:
    """Everything a notebook printed: streams and the plain-text form of results."""
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            parts.append(out.get("text", "") if out.get("output_type") == "stream"
                         else out.get("data", {}).get("text/plain", ""))
    return "\n".join(parts)


def headline_numbers(nb) -> dict[str, str]:
    """The last value of each headline kind printed by the notebook ('' when none)."""
    text = printed_text(nb)
    found = {}
    for key, pattern in HEADLINES.items():
        values = pattern.findall(text)
        found[key] = values[-1].rstrip(".") if values else ""
    trained = TRAIN_CH6_RESULT.findall(text)
    if trained:
        found["test_acc"] = trained[-1].rstrip(".")
    return found


def make_row(name: str, profile: str, wall: float, peak_mb: float, others: float, nb) -> dict:
    """One report row for a notebook that ran to the end (its machine as the notebook's metadata records it)."""
    row = {"notebook": name, "profile": profile, "wall_s": f"{wall:.1f}", "peak_rss_mb": f"{peak_mb:.0f}",
           "others_cpu_pct": f"{100 * others:.1f}", "status": "ok", **headline_numbers(nb), "within_goal": "",
           "machine": nb.metadata["d2l_run"]["machine"]}
    if profile in GOALS:
        seconds, megabytes = GOALS[profile]
        row["within_goal"] = "yes" if wall <= seconds and peak_mb <= megabytes else "NO"
    return row


def failed_row(name: str, profile: str, error: BaseException) -> dict:
    row = dict.fromkeys(FIELDS, "")
    row.update(notebook=name, profile=profile, status=f"failed: {type(error).__name__}")
    return row


def cpu_name(cpuinfo: str = "/proc/cpuinfo") -> str:
    """The CPU's name; on Linux with its family, model and widest vector instructions, because virtual
    machines often say only "AMD EPYC", and two such 2-core machines ran these notebooks 3-5x apart."""
    fallback = platform.processor() or platform.machine()
    try:
        with open(cpuinfo) as f:
            first_cpu = f.read().split("\n\n")[0]
    except OSError:
        return fallback
    info = {key.strip(): value.strip() for key, value in
            (line.split(":", 1) for line in first_cpu.splitlines() if ":" in line)}
    flags = set(info.get("flags", "").split())
    details = [f"family {info['cpu family']}, model {info['model']}"] if "cpu family" in info else []
    details += [name for flag, name in (("avx512f", "AVX-512"), ("avx2", "AVX2"), ("avx", "AVX")) if flag in flags][:1]
    name = info.get("model name", fallback)
    return f"{name} ({', '.join(details)})" if details else name


def machine_description() -> str:
    """The processor (or GPU) a notebook ran on, with the core count and torch version."""
    import torch

    if torch.cuda.is_available():
        return f"GPU {torch.cuda.get_device_name(0)}, torch {torch.__version__}"
    return f"CPU {cpu_name()}, {os.cpu_count()} cores, torch {torch.__version__}"


def read_rows(out_dir: Path, profile: str) -> dict[str, dict]:
    """The rows already in the report, by notebook name (none if there is no report yet)."""
    path = out_dir / f"course-{profile}.csv"
    if not path.exists():
        return {}
    with open(path, newline="") as f:
        return {row["notebook"]: {k: row.get(k, "") for k in FIELDS} for row in csv.DictReader(f)}


def update_report(new_rows: list[dict], profile: str, jobs: int, out_dir: Path, saved: bool = True) -> None:
    """Merge ``new_rows`` into reports/course-<profile>.{csv,md}, replacing rows of the same notebooks;
    ``saved=False``: the run did not save the notebooks (``--no-save``), and the header says so."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = read_rows(out_dir, profile)
    rows.update({r["notebook"]: r for r in new_rows})
    ordered = [rows[name] for name in sorted(rows)]
    with open(out_dir / f"course-{profile}.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(ordered)
    total = sum(float(r["wall_s"] or 0) for r in ordered)
    machines = collections.Counter(r["machine"] or "not recorded" for r in ordered)
    by_machine = "; ".join(f"{name} ({count} notebook{'s' * (count != 1)})" for name, count in machines.most_common())
    lines = [f"# Course report: `{profile}` profile", "",
             f"Made by `python scripts/run_notebooks.py --profile {profile}` ("
             + ("the run that also saves the notebooks' outputs" if saved else
                "with --no-save: a measurement only, the notebooks' outputs were not saved")
             + f"), last updated {time.strftime('%Y-%m-%d')}, {jobs} notebook(s) at a time; "
             f"sum of wall times {total:.0f} s. Each row names the machine that ran it (wall times and "
             f"throughputs hold for that machine only): {by_machine}.", "",
             "`others_cpu_pct`: share of all CPUs used by other processes while the notebook ran "
             "(the script refuses to save a notebook whose run was not quiet). `test_acc` is the last "
             "`train_ch6` result a notebook printed (else the last test accuracy it printed); the other "
             "numbers are the last of their kind in the outputs.", "",
             "| " + " | ".join(FIELDS) + " |", "|" + " --- |" * len(FIELDS)]
    lines += ["| " + " | ".join(str(r[k]) for k in FIELDS) + " |" for r in ordered]
    if profile in GOALS:
        seconds, megabytes = GOALS[profile]
        missed = [r["notebook"] for r in ordered if r["within_goal"] != "yes"]
        lines += ["", f"Goal: each notebook under {seconds:.0f} s and {megabytes:.0f} MB. "
                  + ("All met." if not missed else f"Not met by: {', '.join(missed)}.")]
    (out_dir / f"course-{profile}.md").write_text("\n".join(lines) + "\n")
