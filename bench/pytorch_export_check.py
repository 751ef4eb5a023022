#!/usr/bin/env python3
"""Checks rnnrepl's `export PATH format=pytorch` with PyTorch itself: the exported state_dict,
loaded into torch.nn.RNN/LSTM/GRU + torch.nn.Linear in float64, must give the text the loss that
rnnrepl's `score` gives it, to 1e-9 relative.

    bench/.venv/bin/python bench/pytorch_export_check.py [--rnnrepl PATH] [--data PATH]
        [--layers 2 1] [--steps 300] [--hidden 32]

For each cell (rnn, lstm, gru) and each number of layers: rnnrepl trains a model on the text
(Adam, 2 streams, dropout 0.1, the input weights drawn with sigma 0.3 so that the gates move
well away from 0.5), scores a stretch of 5,000 characters of it with `score file=` (14 digits
with precision=12), and exports the weights; pytorch_check_score.py loads them with
`model.load_state_dict(safetensors.torch.load_file(PATH))` into bench/pytorch_charrnn.py's
CharRNN (cell, sizes and vocabulary from the export's metadata) and scores the same stretch,
reading it in chunks of 4,096 steps with the state carried. Prints both losses and their
relative difference; exits with status 1 when one is beyond the tolerance. PyTorch is needed
(bench/.venv), so this runs here, never in CI; a CI test does the same with PyTorch's
equations written out in Swift (Tests/RNNLanguageTests/PyTorchExportTests.swift).
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEFAULT_DATA = os.path.normpath(os.path.join(ROOT, "..", "shared", "data", "tinyshakespeare.txt"))
TOLERANCE = 1e-9


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rnnrepl", default=None, help="the binary (default: .build/release/rnnrepl, else .build/debug/rnnrepl)")
    p.add_argument("--data", default=DEFAULT_DATA, help="UTF-8 text to train on and score (default: %(default)s)")
    p.add_argument("--layers", type=int, nargs="+", default=[2, 1])
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--hidden", type=int, default=32)
    args = p.parse_args()
    binary = args.rnnrepl or next((path for path in (os.path.join(ROOT, ".build", b, "rnnrepl") for b in ("release", "debug"))
                                   if os.path.exists(path)), None)
    if binary is None:
        sys.exit("no rnnrepl binary: run `swift build -c release` first, or give --rnnrepl")

    with open(args.data, "rb") as f:
        text = f.read().decode("utf-8")
    stretch = text[100_000:105_000]  # crosses the checker's 4,096-step chunks
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        stretch_path = os.path.join(tmp, "stretch.txt")
        with open(stretch_path, "wb") as f:
            f.write(stretch.encode("utf-8"))
        print(f"rnnrepl: {binary}; text: {args.data}, scored on characters 100,000 to 105,000")
        print("| cell | layers | rnnrepl score (sum of -ln p) | PyTorch | relative difference |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for layers in args.layers:
            for cell in ("rnn", "lstm", "gru"):
                weights = os.path.join(tmp, f"{cell}{layers}.safetensors")
                script = (f"load {args.data}\n"
                          f"init cell={cell} layers={layers} batch=2 hidden={args.hidden} seq=25 sigma=0.3 "
                          f"optimizer=adam lr=0.005 dropout=0.1 seed=3\n"
                          f"train {args.steps} print-every={args.steps}\n"
                          f"set precision=12\n"
                          f"score file={stretch_path}\n"
                          f"export {weights} format=pytorch\n")
                result = subprocess.run([binary], input=script, capture_output=True, text=True)
                if result.returncode != 0:
                    sys.exit(f"rnnrepl failed ({cell}, {layers} layers): {result.stderr}")
                # "score of FILE: loss 12345.678901234567 over 4999 predictions = …" (the line may wrap)
                match = re.search(r"score of .*?: loss ([0-9.]+) over", " ".join(result.stdout.split()))
                if match is None:
                    sys.exit(f"no score in rnnrepl's output:\n{result.stdout}")
                ours = float(match.group(1))
                checked = subprocess.run([sys.executable, os.path.join(HERE, "pytorch_check_score.py"), weights,
                                          "--text-file", stretch_path], capture_output=True, text=True)
                if checked.returncode != 0:
                    sys.exit(f"pytorch_check_score.py failed ({cell}, {layers} layers): {checked.stderr}")
                theirs = float(checked.stdout)
                relative = abs(theirs - ours) / abs(ours)
                ok = relative <= TOLERANCE
                failures += not ok
                print(f"| {cell} | {layers} | {ours:.12f} | {theirs:.12f} | {relative:.1e}{'' if ok else ' FAIL'} |", flush=True)
    print(f"\n{'all agree' if not failures else f'{failures} beyond'} to {TOLERANCE:g} relative")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
