#!/usr/bin/env python3
"""Checks pytorch_check_score.py against a hand-written loop (NumPy, float64), end to end.

    bench/.venv/bin/python bench/pytorch_check_score_test.py

For each cell (lstm, gru, rnn) and 1 or 2 layers: a random model (PyTorch's initialisation, the
non-recurrent weights then scaled up so that the gates saturate now and then), saved with
safetensors.torch.save_file; a random text of 5,000 characters over a vocabulary with
non-ASCII code points (so the 4,096-step chunks are crossed); the script is run as a user
would, with the vocabulary and the text in files; its printed sum must match the loop's to
1e-12 relative. The loop writes out PyTorch's documented equations step by step. Each 2-layer
model is also saved with the metadata rnnrepl's export writes, and scored with no --cell,
--layers, --hidden or --vocab: the script must take them from the file.
"""
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from pytorch_charrnn import CharRNN  # noqa: E402

VOCABULARY = "\n !,.:;?ABCabcdefghijklmnopqrstuvwxyzé—’😀"  # in index order (any order will do)
TOLERANCE = 1e-12


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def hand_written_score(weights, cell, layers, H, indices):
    """Sum of -ln p(next) from the zero state, one character and one layer at a time."""
    W = {k: v.numpy().astype(np.float64) for k, v in weights.items()}
    V = W["out.weight"].shape[0]
    h = [np.zeros(H) for _ in range(layers)]
    c = [np.zeros(H) for _ in range(layers)]
    total = 0.0
    for t in range(len(indices) - 1):
        x = np.zeros(V)
        x[indices[t]] = 1.0
        for k in range(layers):
            a_in = W[f"rnn.weight_ih_l{k}"] @ x + W[f"rnn.bias_ih_l{k}"]
            a_rec = W[f"rnn.weight_hh_l{k}"] @ h[k] + W[f"rnn.bias_hh_l{k}"]
            if cell == "lstm":
                a = a_in + a_rec
                i, f = sigmoid(a[:H]), sigmoid(a[H:2 * H])
                g, o = np.tanh(a[2 * H:3 * H]), sigmoid(a[3 * H:])
                c[k] = f * c[k] + i * g
                h[k] = o * np.tanh(c[k])
            elif cell == "gru":
                r = sigmoid(a_in[:H] + a_rec[:H])
                z = sigmoid(a_in[H:2 * H] + a_rec[H:2 * H])
                n = np.tanh(a_in[2 * H:] + r * a_rec[2 * H:])  # b_hn inside r * (...)
                h[k] = (1 - z) * n + z * h[k]
            else:
                h[k] = np.tanh(a_in + a_rec)
            x = h[k]  # the next layer's input
        logits = W["out.weight"] @ x + W["out.bias"]
        m = logits.max()
        log_sum = m + np.log(np.exp(logits - m).sum())
        total += log_sum - logits[indices[t + 1]]
    return total


def main():
    torch.manual_seed(7)
    rng = np.random.default_rng(7)
    H, n = 16, 5000
    failures = checks = 0
    with tempfile.TemporaryDirectory() as tmp:
        vocab_path, text_path = os.path.join(tmp, "vocab.txt"), os.path.join(tmp, "text.txt")
        indices = rng.integers(0, len(VOCABULARY), size=n)
        with open(vocab_path, "wb") as f:
            f.write(VOCABULARY.encode("utf-8"))
        with open(text_path, "wb") as f:
            f.write("".join(VOCABULARY[i] for i in indices).encode("utf-8"))
        for cell in ("lstm", "gru", "rnn"):
            for layers in (1, 2):
                model = CharRNN(cell, len(VOCABULARY), H, layers, dropout=0.0).double()
                with torch.no_grad():
                    # PyTorch's U(±1/√H) is mild: the input, bias and output weights are scaled
                    # up so that the gates saturate now and then. The recurrent matrices are
                    # left alone: a tanh RNN with much larger ones is chaotic, and would amplify
                    # the last-bit differences between two correct summation orders over 5,000
                    # steps far beyond 1e-12 (×4 gave 7e-8 and 7e-4 for the tanh RNN).
                    for name, p in model.named_parameters():
                        if "weight_hh" not in name:
                            p.mul_(4.0)
                weights = {k: v.contiguous() for k, v in model.state_dict().items()}
                path = os.path.join(tmp, f"{cell}{layers}.safetensors")
                save_file(weights, path)
                runs = [("flags", path, ["--cell", cell, "--layers", str(layers), "--hidden", str(H),
                                         "--vocab-file", vocab_path])]
                if layers == 2:
                    recorded = os.path.join(tmp, f"{cell}{layers}-metadata.safetensors")
                    save_file(weights, recorded, metadata={
                        "format": "pt", "rnnrepl.cell": cell, "rnnrepl.layers": str(layers),
                        "rnnrepl.hidden": str(H), "rnnrepl.vocabulary": VOCABULARY})
                    runs.append(("metadata", recorded, []))
                ours = hand_written_score(weights, cell, layers, H, indices)
                for how, file, flags in runs:
                    result = subprocess.run(
                        [sys.executable, os.path.join(HERE, "pytorch_check_score.py"), file, *flags,
                         "--text-file", text_path], capture_output=True, text=True, check=True)
                    theirs = float(result.stdout)
                    relative = abs(theirs - ours) / abs(ours)
                    ok = relative <= TOLERANCE
                    failures += not ok
                    checks += 1
                    print(f"{cell} x{layers} ({how}): script {result.stdout.strip()}  loop {ours:.17g}  "
                          f"relative difference {relative:.1e}  {'ok' if ok else 'FAIL'}", flush=True)
    print(f"{checks - failures} passed, {failures} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
