#!/usr/bin/env python3
"""Scores a text with a model saved as a PyTorch state_dict in safetensors, in float64.

    bench/.venv/bin/python bench/pytorch_check_score.py WEIGHTS.safetensors
        --cell lstm|gru|rnn --layers N --hidden H
        (--vocab STRING | --vocab-file PATH) (--text STRING | --text-file PATH)

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
    p.add_argument("--cell", choices=("lstm", "gru", "rnn"), required=True)
    p.add_argument("--layers", type=int, required=True)
    p.add_argument("--hidden", type=int, required=True)
    vocab = p.add_mutually_exclusive_group(required=True)
    vocab.add_argument("--vocab", help="the vocabulary, its characters in index order")
    vocab.add_argument("--vocab-file", help="a UTF-8 file holding exactly the vocabulary string")
    text = p.add_mutually_exclusive_group(required=True)
    text.add_argument("--text", help="the text to score")
    text.add_argument("--text-file", help="a UTF-8 file holding the text to score")
    args = p.parse_args()

    vocabulary = args.vocab if args.vocab is not None else read_utf8(args.vocab_file)
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
