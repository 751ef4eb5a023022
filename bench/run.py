#!/usr/bin/env python3
"""rnnrepl's speed and memory benchmark (not a test: run it by hand on a quiet machine).

    python3 bench/run.py [--runs N] [--steps N] [--quick] [--skip-numpy]

Builds rnnrepl in release mode (the build a user gets with `swift build -c release`), compiles
the C reference, and runs, side by side on this machine:
  1. rnnrepl on bench/benchmark.rnn (tinyshakespeare, hidden 100, seq 25, lr 0.1, Adagrad,
     20,000 steps),
  2. bench/numpy_rnn.py, the same step in NumPy (one BLAS thread),
  3. bench/c/rnn.c, the same step in C with -O3 -march=native -ffast-math,
each several times (median), with peak memory from /usr/bin/time -v. All three start from
the same weights; the first-step losses must agree to 1e-9 relative. Then: a scaling table
over the hidden size, the gated cells (LSTM, GRU) against bench/numpy_gated.py, the speed and
memory of loading a 50 MB corpus, and the cost of the REPL around the bare training loop. Results go to standard output and bench/out/results.md.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "bench", "out")
CORPUS = os.path.normpath(os.path.join(ROOT, "..", "shared", "data", "tinyshakespeare.txt"))
RNNREPL = os.path.join(ROOT, ".build", "release", "rnnrepl")
CORE_BENCH = os.path.join(ROOT, ".build", "release", "rnncore-bench")
C_BINARY = os.path.join(OUT, "rnn_c")
ONE_THREAD = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")


def sh(command, **kwargs):
    return subprocess.run(command, check=True, capture_output=True, text=True, **kwargs)


def build():
    os.makedirs(OUT, exist_ok=True)
    print("building rnnrepl (swift build -c release) and the C reference ...", flush=True)
    sh(["swift", "build", "-c", "release", "--product", "rnnrepl"], cwd=ROOT)
    sh(["swift", "build", "-c", "release", "--product", "rnncore-bench"], cwd=ROOT)
    c = os.path.join(ROOT, "bench", "c")
    # The generator must round exactly as Swift's: no fast-math, no contraction into FMA.
    sh(["gcc", "-O2", "-ffp-contract=off", "-c", os.path.join(c, "rng.c"), "-o", os.path.join(OUT, "rng.o")])
    sh(["gcc", "-O3", "-march=native", "-ffast-math", "-c", os.path.join(c, "rnn.c"), "-o", os.path.join(OUT, "rnn.o")])
    sh(["gcc", os.path.join(OUT, "rnn.o"), os.path.join(OUT, "rng.o"), "-o", C_BINARY, "-lm"])


# Timed runs stay on one core (taskset, where available) so they do not migrate mid-run.
PIN = ["taskset", "-c", str(os.cpu_count() - 1)] if subprocess.run(["sh", "-c", "command -v taskset"],
                                                                      capture_output=True).returncode == 0 else []


def measured(command, env=None, cwd=None):
    """Runs `command` under /usr/bin/time -v: (stdout, stderr without time's report, peak RSS in MB)."""
    result = subprocess.run(["/usr/bin/time", "-v"] + PIN + command, capture_output=True, text=True, env=env, cwd=cwd)
    if result.returncode != 0:
        sys.exit("failed: " + " ".join(command) + "\n" + result.stdout + result.stderr)
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr).group(1)) / 1024
    report = result.stderr.find("\tCommand being timed")
    return result.stdout, result.stderr[:report], rss


def rnnrepl_run(script):
    out, err, rss = measured([RNNREPL, script])
    first = float(re.search(r"^step +1  loss ([0-9.]+)", out, re.M).group(1))
    smooth = float(re.search(r"^smooth-loss = ([0-9.eE+-]+)", out, re.M).group(1))
    rate = float(re.search(r"([0-9,.]+)(k?) steps/s", err).group(1).replace(",", ""))
    if re.search(r"[0-9.]+k steps/s", err):
        rate *= 1000
    return dict(rate=rate, first=first, smooth=smooth, rss=rss)


def reference_run(command, env=None):
    out, _, rss = measured(command, env=env)
    values = dict(re.findall(r"^(\S+) (\S+)$", out, re.M))
    return dict(rate=float(values["steps/s"]), first=float(values["first-loss"]),
                smooth=float(values["smooth-loss"]), rss=rss)


def repeat(name, runs, function):
    results = []
    for i in range(runs):
        print(f"  {name}: run {i + 1} of {runs} ...", flush=True)
        results.append(function())
    rates = [r["rate"] for r in results]
    return dict(rate=statistics.median(rates), low=min(rates), high=max(rates), first=results[0]["first"],
                smooth=results[0]["smooth"], rss=max(r["rss"] for r in results))


def script_for(hidden, steps, path, seed=1, cell="rnn"):
    with open(path, "w") as f:
        f.write(f"load {CORPUS}\ninit cell={cell} hidden={hidden} seq=25 lr=0.1 whh=random scale=0.01 seed={seed}\n"
                f"set precision=12\nstep\ntrain {steps - 1} print-every={steps}\nshow smooth-loss\n")
    return path


def relative(a, b):
    return abs(a - b) / max(abs(b), 1e-300)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--steps", type=int, default=20000)
    parser.add_argument("--quick", action="store_true", help="a smoke test: 1 run of 2,000 steps, small tables")
    parser.add_argument("--skip-numpy", action="store_true")
    parser.add_argument("--peers", action="store_true",
                        help="only the side-by-side run with PyTorch (bench/peers.py; needs bench/.venv)")
    parser.add_argument("--seconds", type=float, default=600, help="with --peers: each run's budget")
    args = parser.parse_args()
    if args.quick:
        args.runs, args.steps = 1, 2000
    if not os.path.exists(CORPUS):
        sys.exit(f"the benchmark needs {CORPUS}")
    if args.peers:
        sh(["swift", "build", "-c", "release", "--product", "rnnrepl"], cwd=ROOT)
        sys.path.insert(0, os.path.join(ROOT, "bench"))
        import peers
        peers.main(["--seconds", str(args.seconds)])
        return
    build()
    lines = []

    def say(text=""):
        print(text, flush=True)
        lines.append(text)

    cpu = sh(["sh", "-c", "lscpu | sed -n 's/^Model name: *//p'"]).stdout.strip()
    say(f"# rnnrepl benchmark ({time.strftime('%Y-%m-%d')}, {cpu}, {os.cpu_count()} cores)")
    say()
    say(f"Workload: tinyshakespeare ({os.path.getsize(CORPUS):,} bytes), hidden 100, seq 25, lr 0.1, Adagrad, "
        f"clip 5, W_hh randn·0.01, seed 1, {args.steps:,} steps, double precision; median of {args.runs} runs.")
    say()

    script = os.path.join(ROOT, "bench", "benchmark.rnn")
    if args.steps != 20000:
        script = script_for(100, args.steps, os.path.join(OUT, "benchmark.rnn"))
    results = {}
    results["rnnrepl"] = repeat("rnnrepl", args.runs, lambda: rnnrepl_run(script))
    results["C -O3 -march=native -ffast-math"] = repeat(
        "C", args.runs, lambda: reference_run([C_BINARY, CORPUS, str(args.steps)]))
    if not args.skip_numpy:
        results["NumPy (1 thread)"] = repeat(
            "NumPy", args.runs, lambda: reference_run([sys.executable, os.path.join(ROOT, "bench", "numpy_rnn.py"),
                                                      CORPUS, str(args.steps)], env=ONE_THREAD))

    c = results["C -O3 -march=native -ffast-math"]["rate"]
    numpy_rate = results.get("NumPy (1 thread)", {}).get("rate")
    say("| implementation | steps/s (median, min–max) | characters/s | peak memory | vs C | vs NumPy |")
    say("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, r in results.items():
        versus_numpy = f"{r['rate'] / numpy_rate:.2f}×" if numpy_rate else "–"
        say(f"| {name} | {r['rate']:,.0f} ({r['low']:,.0f}–{r['high']:,.0f}) | {r['rate'] * 25:,.0f} | "
            f"{r['rss']:.1f} MB | {r['rate'] / c:.2f}× | {versus_numpy} |")
    say()

    say("Agreement with rnnrepl (same initial weights, the same step in each):")
    say()
    say("| implementation | loss after step 1 | relative difference | smooth loss at the end | relative difference |")
    say("| --- | ---: | ---: | ---: | ---: |")
    base = results["rnnrepl"]
    failures = []
    for name, r in results.items():
        first_difference = relative(r["first"], base["first"])
        smooth_difference = relative(r["smooth"], base["smooth"])
        say(f"| {name} | {r['first']:.12f} | {first_difference:.1e} | {r['smooth']:.6f} | {smooth_difference:.1e} |")
        if first_difference > 1e-9:
            failures.append(f"{name}: loss after step 1 differs by {first_difference:.1e} (limit 1e-9)")
        if smooth_difference > 1e-2:
            failures.append(f"{name}: smooth loss at the end differs by {smooth_difference:.1e} (limit 1e-2)")
    say()

    # Where the trajectories part: per-step losses of the first 30 steps, C (fast-math) against rnnrepl.
    trace_script = os.path.join(OUT, "trace.rnn")
    with open(trace_script, "w") as f:
        f.write(f"load {CORPUS}\ninit hidden=100 seq=25 lr=0.1 whh=random scale=0.01 seed=1\nset precision=12\nstep 30\n")
    ours = [float(x) for x in re.findall(r"^step +\d+  loss ([0-9.]+)", sh([RNNREPL, trace_script]).stdout, re.M)]
    numpy_trace = None
    if not args.skip_numpy:
        out = sh([sys.executable, os.path.join(ROOT, "bench", "numpy_rnn.py"), CORPUS, "30", "--trace", "30"], env=ONE_THREAD).stdout
        numpy_trace = [float(x) for x in re.findall(r"^step \d+ loss (\S+)", out, re.M)]
    def parting_step(theirs):
        for i, (a, b) in enumerate(zip(ours, theirs)):
            if relative(b, a) > 1e-9:
                return i + 1
        return None
    if numpy_trace:
        step = parting_step(numpy_trace)
        say(f"Step by step, NumPy's losses stay within 1e-9 of rnnrepl's until step {step}; from there the "
            f"difference grows about 30-fold per step (Adagrad's first updates divide tiny gradients by √(1e-8)).")
        say()

    # How much the end point varies anyway: rnnrepl itself from other seeds.
    seeds = [2, 3, 4, 5] if not args.quick else [2]
    ends = [base["smooth"]] + [rnnrepl_run(script_for(100, args.steps, os.path.join(OUT, f"seed{s}.rnn"), seed=s))["smooth"]
                               for s in seeds]
    spread = (max(ends) - min(ends)) / statistics.median(ends)
    say(f"For scale: rnnrepl's own smooth loss at the end over seeds 1–{1 + len(seeds)} ranges from {min(ends):.3f} "
        f"to {max(ends):.3f}, a spread of {spread:.1e} relative.")
    say()
    # Scaling with the hidden size.
    sizes = [(32, 20000), (64, 10000), (128, 5000), (256, 2000), (512, 500)]
    if args.quick:
        sizes = [(32, 1000), (128, 500)]
    say("Scaling with the hidden size (seq 25; µs per step divided by H² levels off once H² dominates):")
    say()
    say("| hidden | rnnrepl steps/s | C steps/s | rnnrepl vs C | rnnrepl µs/step | µs/step per H² (×1000) |")
    say("| ---: | ---: | ---: | ---: | ---: | ---: |")
    for hidden, steps in sizes:
        print(f"  scaling: hidden {hidden} ...", flush=True)
        ours_rate = rnnrepl_run(script_for(hidden, steps, os.path.join(OUT, f"h{hidden}.rnn")))["rate"]
        c_rate = reference_run([C_BINARY, CORPUS, str(steps), str(hidden)])["rate"]
        micro = 1e6 / ours_rate
        say(f"| {hidden} | {ours_rate:,.0f} | {c_rate:,.0f} | {ours_rate / c_rate:.2f}× | {micro:,.1f} | "
            f"{micro / hidden ** 2 * 1000:.2f} |")
    say()

    # The gated cells: the same workload with cell=lstm and cell=gru, against the same step in NumPy.
    gated_steps = 500 if args.quick else 5000
    say(f"Gated cells (hidden 100, seq 25, the same settings, {gated_steps:,} steps; NumPy: bench/numpy_gated.py, "
        f"the gates' matrices side by side, one BLAS thread):")
    say()
    say("| cell | rnnrepl steps/s (median, min–max) | µs/step | vs rnn | NumPy steps/s | vs NumPy | "
        "loss after step 1: rnnrepl | NumPy | relative difference |")
    say("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    rnn_rate = None
    for cell in ["rnn", "lstm", "gru"]:
        cell_script = script_for(100, gated_steps, os.path.join(OUT, f"{cell}.rnn"), cell=cell)
        ours_cell = repeat(f"rnnrepl {cell}", args.runs, lambda: rnnrepl_run(cell_script))
        rnn_rate = rnn_rate or ours_cell["rate"]
        if args.skip_numpy:
            theirs = None
        elif cell == "rnn":
            theirs = repeat("NumPy rnn", args.runs, lambda: reference_run(
                [sys.executable, os.path.join(ROOT, "bench", "numpy_rnn.py"), CORPUS, str(gated_steps)], env=ONE_THREAD))
        else:
            theirs = repeat(f"NumPy {cell}", args.runs, lambda: reference_run(
                [sys.executable, os.path.join(ROOT, "bench", "numpy_gated.py"), cell, CORPUS, str(gated_steps)],
                env=ONE_THREAD))
        difference = relative(theirs["first"], ours_cell["first"]) if theirs else None
        if difference is not None and difference > 1e-9:
            failures.append(f"{cell}: NumPy's loss after step 1 differs by {difference:.1e} (limit 1e-9)")
        say(f"| {cell} | {ours_cell['rate']:,.0f} ({ours_cell['low']:,.0f}–{ours_cell['high']:,.0f}) | "
            f"{1e6 / ours_cell['rate']:,.0f} | {ours_cell['rate'] / rnn_rate:.2f}× | "
            + (f"{theirs['rate']:,.0f} | {ours_cell['rate'] / theirs['rate']:.2f}× | {ours_cell['first']:.12f} | "
               f"{theirs['first']:.12f} | {difference:.1e} |" if theirs else "– | – | – | – | – |"))
    say()

    # Loading a 50 MB corpus.
    big = os.path.join(OUT, "big.txt")
    if not os.path.exists(big):
        with open(CORPUS, "rb") as f:
            text = f.read()
        with open(big, "wb") as f:
            f.write(text * 47)
    size = os.path.getsize(big)
    _, _, baseline = measured([RNNREPL, "-e", "echo baseline"])
    load_times, load_rss = [], []
    for _ in range(max(args.runs, 3)):
        _, err, rss = measured([RNNREPL, "-e", f"load {big}"])
        match = re.search(r"read ([0-9.]+) MB in ([0-9.]+) s", err)
        load_times.append(float(match.group(2)))
        load_rss.append(rss)
    seconds = statistics.median(load_times)
    beyond = (max(load_rss) - baseline) * 1024 * 1024 - size
    say(f"Loading a {size / 1e6:.1f} MB corpus ({size / 2**20:.1f} MiB, 1 byte per character): "
        f"{size / 2**20 / seconds:,.0f} MiB/s (median of {len(load_times)}); peak memory {max(load_rss):.1f} MB against "
        f"{baseline:.1f} MB for an empty session: {beyond / size:.2f} bytes per character beyond the file itself.")
    say()

    # The REPL's train against the bare loop (Trainer.step in a loop). Wall time on a shared
    # machine varies by ±10% from run to run, so the cost is measured in instructions per step
    # (callgrind counts them exactly), from the difference between a short and a longer run.
    repl, bare = [], []
    steps = 2000 if args.quick else 10000
    repl_script = script_for(100, steps, os.path.join(OUT, "repl.rnn"))
    for _ in range(max(args.runs, 3)):
        repl.append(rnnrepl_run(repl_script)["rate"])
        bare.append(reference_run([CORE_BENCH, CORPUS, str(steps)])["rate"])
    say(f"`train` in rnnrepl against the bare loop (bench/CoreLoop: Trainer.step in a loop), {steps:,} steps: "
        f"{statistics.median(repl):,.0f} against {statistics.median(bare):,.0f} steps/s (medians of {len(repl)}; "
        f"best {max(repl):,.0f} against {max(bare):,.0f}).")
    if subprocess.run(["sh", "-c", "command -v valgrind"], capture_output=True).returncode == 0:
        def instructions(command):
            run = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"] + command,
                                 capture_output=True, text=True)
            # Valgrind does not decode AVX-512: a build for such a CPU (the default, -target-cpu
            # native) dies with SIGILL under it, after counting only its start-up.
            if run.returncode != 0:
                return None
            return int(re.search(r"Collected : (\d+)", run.stderr).group(1))
        short, long = (100, 200) if args.quick else (300, 600)
        per_step = {}
        for name, make in [("repl", lambda n: [RNNREPL, script_for(100, n, os.path.join(OUT, f"cg{n}.rnn"))]),
                           ("bare", lambda n: [CORE_BENCH, CORPUS, str(n)])]:
            counts = [instructions(make(long)), instructions(make(short))]
            per_step[name] = None if None in counts else (counts[0] - counts[1]) / (long - short)
        if None in per_step.values():
            say("Instructions per step: not measured, callgrind could not run these builds (valgrind does not "
                "decode AVX-512; build with RNNREPL_TARGET_CPU=haswell to count them).")
        else:
            cost = per_step["repl"] / per_step["bare"] - 1
            say(f"Instructions per step (callgrind, steps {short + 1}–{long}): `train` {per_step['repl']:,.0f}, bare loop "
                f"{per_step['bare']:,.0f}: the REPL costs {cost * 100:+.3f}%. Both run with tracing off (one nil check "
                f"per time step in backward).")
    say()

    if failures:
        say("**Agreement limits not met:** " + "; ".join(failures) + ".")
        say()

    with open(os.path.join(OUT, "results.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    if failures:
        sys.exit(1)


if __name__ == "__main__":
    main()
