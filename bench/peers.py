#!/usr/bin/env python3
"""rnnrepl and PyTorch side by side on the same char-level model, data and time budget.

    python3 bench/run.py --peers [--seconds 600]      (or: python3 bench/peers.py [--seconds 600])

Both train tinyshakespeare with its last 10% held out: an LSTM of 2 layers × 256, 32 streams
of 64 characters, one-hot inputs, Adam at 2e-3, the gradient's global norm clipped, float32,
2 threads, no dropout, evaluating the whole held-out text (read once from the zero state)
every 250 steps. PyTorch averages its loss over the 32×64 predictions and clips the norm at
5; rnnrepl sums over the window and averages over the streams, so its norm is 64 times larger
and the same clip is clip=320 (Adam itself does not see the scale). The initial weights are
drawn at PyTorch's scale: its uniform(−1/√H, 1/√H) has a standard deviation of 0.036 at H = 256,
so rnnrepl draws every matrix as randn·0.036 (sigma=, whh=random scale=) with zero biases
(forget-bias=0; PyTorch's biases are small uniform numbers too).

Reported for each: characters per second of training (evaluations excluded), the training
time until the validation loss first reaches 1.6 and 1.5 nats per character, the best
validation loss within the budget, and the peak memory (/usr/bin/time -v). rnnrepl's budget
is wall-clock time including its evaluations (`train 10m`), PyTorch's counts training only,
so rnnrepl trains for less time than PyTorch does.

PyTorch comes from a virtual environment under bench/ (`python3 -m venv bench/.venv &&
bench/.venv/bin/pip install torch safetensors numpy`): about 3 GB with CUDA libraries that a
CPU run never loads. CI never runs this.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.normpath(os.path.join(ROOT, "..", "shared", "data", "tinyshakespeare.txt"))
RNNREPL = os.path.join(ROOT, ".build", "release", "rnnrepl")
VENV_PYTHON = os.path.join(ROOT, "bench", ".venv", "bin", "python")
THRESHOLDS = (1.6, 1.5)


def parse_duration(text):
    """rnnrepl's durations: '12.3 s', '1 min 05 s', '1 h 02 min'."""
    text = text.strip()
    if m := re.fullmatch(r"([\d.]+) s", text):
        return float(m.group(1))
    if m := re.fullmatch(r"(\d+) min (\d+) s", text):
        return 60 * int(m.group(1)) + int(m.group(2))
    if m := re.fullmatch(r"(\d+) h (\d+) min", text):
        return 3600 * int(m.group(1)) + 60 * int(m.group(2))
    raise ValueError(f"not a duration: {text!r}")


def peak_memory(stderr):
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", stderr)
    return int(m.group(1)) / 1024 if m else None


def run_rnnrepl(seconds, extra=""):
    script = f"""load {CORPUS} validation=0.1
init cell=lstm layers=2 hidden=256 batch=32 seq=64 dtype=float32 threads=2 optimizer=adam lr=0.002 clip-mode=norm clip=320 sigma=0.036 whh=random scale=0.036 forget-bias=0 {extra}
train {int(seconds)}s eval-every=250
"""
    with tempfile.NamedTemporaryFile("w", suffix=".rnn", delete=False) as f:
        f.write(script)
        path = f.name
    try:
        result = subprocess.run(["/usr/bin/time", "-v", RNNREPL, path], capture_output=True, text=True)
    finally:
        os.unlink(path)
    if result.returncode != 0:
        sys.exit("rnnrepl failed:\n" + result.stdout + result.stderr)
    # Lines longer than the page (100 characters on a pipe) wrap with an indented continuation.
    result.stdout = re.sub(r"\n +", " ", result.stdout)
    result.stderr = re.sub(r"\n +", " ", result.stderr)
    # stdout: "step N ... val X per char"; stderr: "evaluated at step N after D of training (...)".
    losses = {int(m.group(1)): float(m.group(2))
              for m in re.finditer(r"^step +(\d+) .*?val ([\d.]+) per char", result.stdout, re.M)}
    times = {int(m.group(1)): parse_duration(m.group(2))
             for m in re.finditer(r"^evaluated at step (\d+) after (.+?) of training", result.stderr, re.M)}
    evaluations = [{"step": s, "train_time": times[s], "val_loss": losses[s]} for s in sorted(losses) if s in times]
    speed = re.search(r"training alone ([\d,.]+k?) characters/s", result.stderr)
    rate = speed.group(1).replace(",", "")
    chars = float(rate[:-1]) * 1000 if rate.endswith("k") else float(rate)
    return summarize("rnnrepl", chars, evaluations, peak_memory(result.stderr))


def run_pytorch(seconds):
    if not os.path.exists(VENV_PYTHON):
        sys.exit("PyTorch is not installed: python3 -m venv bench/.venv && bench/.venv/bin/pip install torch safetensors numpy")
    command = ["/usr/bin/time", "-v", VENV_PYTHON, os.path.join(ROOT, "bench", "pytorch_charrnn.py"), "--cell", "lstm",
               "--layers", "2", "--hidden", "256", "--batch", "32", "--seq", "64", "--lr", "2e-3", "--clip", "5",
               "--threads", "2", "--seconds", str(seconds), "--eval-every", "250", "--data", CORPUS, "--json"]
    result = subprocess.run(command, capture_output=True, text=True, env=dict(os.environ, OMP_WAIT_POLICY="PASSIVE"))
    if result.returncode != 0:
        sys.exit("PyTorch failed:\n" + result.stdout + result.stderr)
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    evaluations = [{"step": e["step"], "train_time": e["train_time"], "val_loss": e["val_loss"]} for e in summary["evaluations"]]
    return summarize(f"PyTorch {summary['torch']}", summary["characters_per_second"], evaluations, peak_memory(result.stderr))


def summarize(name, chars_per_second, evaluations, memory):
    crossed = {t: next((e for e in evaluations if e["val_loss"] <= t), None) for t in THRESHOLDS}
    best = min(evaluations, key=lambda e: e["val_loss"]) if evaluations else None
    return {"name": name, "chars": chars_per_second, "crossed": crossed, "best": best, "memory": memory,
            "evaluations": evaluations}


def when(e):
    return "never" if e is None else f"{e['train_time']:.0f} s (step {e['step']:,})"


def table(results):
    lines = ["| implementation | characters/s (training) | val ≤ 1.6 after | val ≤ 1.5 after | best val loss (at) | peak memory |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for r in results:
        best = "—" if r["best"] is None else f"{r['best']['val_loss']:.4f} ({when(r['best'])})"
        memory = "?" if r["memory"] is None else f"{r['memory']:.0f} MB"
        lines.append(f"| {r['name']} | {r['chars']:,.0f} | {when(r['crossed'][1.6])} | {when(r['crossed'][1.5])} | {best} | {memory} |")
    ratio = results[0]["chars"] / results[1]["chars"]
    lines.append("")
    lines.append(f"rnnrepl / PyTorch characters per second: {ratio:.2f}×")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=600, help="budget of each run (default: 600)")
    args = parser.parse_args(argv)
    if not os.path.exists(CORPUS):
        sys.exit(f"needs {CORPUS}")
    print(f"rnnrepl: {args.seconds:g} s ...", flush=True)
    ours = run_rnnrepl(args.seconds)
    print(f"PyTorch: {args.seconds:g} s ...", flush=True)
    theirs = run_pytorch(args.seconds)
    text = table([ours, theirs])
    print(text)
    os.makedirs(os.path.join(ROOT, "bench", "out"), exist_ok=True)
    with open(os.path.join(ROOT, "bench", "out", "peers.md"), "w") as f:
        f.write(text + "\n")


if __name__ == "__main__":
    main()
