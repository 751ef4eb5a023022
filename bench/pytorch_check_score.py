#!/usr/bin/env python3
"""Scores a text with a model saved as a PyTorch state_dict in safetensors, in float64.

    bench/.venv/bin/python bench/pytorch_check_score.py WEIGHTS.safetensors
        [--cell lstm|gru|rnn --layers N --hidden H (--vocab STRING | --vocab-file PATH)]
        (--text STRING | --text-file PATH)

The cell, sizes and vocabulary may be left out for a file written by rnnrepl's
`export PATH format=pytorch`: its __metadata__ holds them (rnnrepl.cell, rnnrepl.layers,
rnnrepl.hidden, rnnrepl.vocabulary); given ones must agree with it.

Prints one number: the summed -ln p of the text, every character predicting the next from the
zero state (h = 0, and c = 0 for the LSTM), i.e. the sum over its n - 1 predictions, with 17
significant digits. The vocabulary is the characters (Unicode code points) in index order;
files are decoded as UTF-8 with no newline translation.

The file must hold exactly the state_dict of pytorch_charrnn.CharRNN (loaded strictly), with
G = 4 for the LSTM (gates i, f, g, o), 3 for the GRU (r, z, n), 1 for the tanh RNN, and
in_k = V for layer 0 and H above it:
    rnn.weight_ih_l{k}  (G*H, in_k)     rnn.weight_hh_l{k}  (G*H, H)
    rnn.bias_ih_l{k}    (G*H,)          rnn.bias_hh_l{k}    (G*H,)
    out.weight          (V, H)          out.bias            (V,)
The GRU's n-gate is tanh(W_in x + b_in + r * (W_hn h + b_hn)), so b_hn (the last H entries of
bias_hh) is not interchangeable with b_in; its update is h' = (1 - z) * n + z * h. Tensors of
another floating dtype are converted to float64 on loading.
"""
import argparse
import os
import sys

import torch
import torch.nn.functional as F
from safetensors import safe_open
from safetensors.torch import load_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_charrnn import CharRNN  # noqa: E402  (the same module, so the same state_dict names)

CHUNK = 4096  # time steps per forward call (bounds memory on long texts)


def read_utf8(path):
    with open(path, "rb") as f:
        return f.read().decode("utf-8")


def score(model, indices):
    """Sum of -ln p(indices[t+1] | indices[..t]) over t, from the zero state, in float64."""
    model.eval()
    state, total = None, 0.0
    with torch.no_grad():
        for start in range(0, len(indices) - 1, CHUNK):
            end = min(start + CHUNK, len(indices) - 1)
            logits, state = model(indices[start:end].unsqueeze(0), state)
            total += F.cross_entropy(logits[0], indices[start + 1: end + 1], reduction="sum").item()
    return total


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("weights", help="safetensors file with the state_dict")
    p.add_argument("--cell", choices=("lstm", "gru", "rnn"))
    p.add_argument("--layers", type=int)
    p.add_argument("--hidden", type=int)
    vocab = p.add_mutually_exclusive_group()
    vocab.add_argument("--vocab", help="the vocabulary, its characters in index order")
    vocab.add_argument("--vocab-file", help="a UTF-8 file holding exactly the vocabulary string")
    text = p.add_mutually_exclusive_group(required=True)
    text.add_argument("--text", help="the text to score")
    text.add_argument("--text-file", help="a UTF-8 file holding the text to score")
    args = p.parse_args()

    with safe_open(args.weights, "pt") as f:
        metadata = f.metadata() or {}
    # What rnnrepl's export records, where the arguments leave it out (and checked where they give it).
    recorded = {"cell": metadata.get("rnnrepl.cell"), "layers": metadata.get("rnnrepl.layers"),
                "hidden": metadata.get("rnnrepl.hidden"), "vocab": metadata.get("rnnrepl.vocabulary")}
    given = {"cell": args.cell, "layers": args.layers, "hidden": args.hidden,
             "vocab": args.vocab if args.vocab is not None else (read_utf8(args.vocab_file) if args.vocab_file else None)}
    settings = {}
    for key, value in given.items():
        if value is None and recorded[key] is None:
            sys.exit(f"--{key} is needed: the file's metadata does not record it (not written by rnnrepl's export?)")
        if value is not None and recorded[key] is not None and str(value) != recorded[key]:
            sys.exit(f"--{key} {value!r} disagrees with the file's metadata ({recorded[key]!r})")
        settings[key] = value if value is not None else recorded[key]
    args.cell, args.layers, args.hidden = settings["cell"], int(settings["layers"]), int(settings["hidden"])
    vocabulary = settings["vocab"]
    text = args.text if args.text is not None else read_utf8(args.text_file)
    if len(set(vocabulary)) != len(vocabulary):
        sys.exit("the vocabulary repeats a character")
    index = {c: i for i, c in enumerate(vocabulary)}
    missing = sorted(set(text) - set(index))
    if missing:
        sys.exit(f"characters of the text not in the vocabulary: {missing!r}")
    if len(text) < 2:
        sys.exit("the text needs at least two characters (one prediction)")

    model = CharRNN(args.cell, len(vocabulary), args.hidden, args.layers, dropout=0.0).double()
    model.load_state_dict(load_file(args.weights), strict=True)
    indices = torch.tensor([index[c] for c in text], dtype=torch.int64)
    print(f"{score(model, indices):.17g}")


if __name__ == "__main__":
    main()
