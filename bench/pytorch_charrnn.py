#!/usr/bin/env python3
"""A PyTorch reference ("peer") char-level RNN trainer, for side-by-side benchmarks with rnnrepl.

    bench/.venv/bin/python bench/pytorch_charrnn.py [--cell lstm|gru|rnn] [--layers 2]
        [--hidden 256] [--batch 32] [--seq 64] [--lr 2e-3] [--clip 5] [--dropout 0]
        [--seconds 600] [--steps N] [--eval-every 250] [--threads 2] [--seed 1]
        [--validation 0.1] [--dtype float32|float64] [--data PATH] [--json]

Everything below follows fixed definitions that the Swift side implements too, so the two can
be compared number for number:

  * Text and vocabulary: the file is decoded as UTF-8 (no newline translation); the vocabulary
    is the sorted set of distinct Unicode code points of the WHOLE text; characters (code
    points, not grapheme clusters) become indices into it.
  * Split: n characters, held = floor(n * validation); training text = the first n - held
    characters, validation text = the last held characters.
  * Batches (char-rnn's scheme): N training characters, B streams of length L = N // B, stream
    b reads [b*L, (b+1)*L). One shared pointer p starts at 0. Each step: if p + T + 1 > L, then
    p = 0 and every stream's state is reset to zero; stream b's inputs are seg_b[p : p+T], its
    targets seg_b[p+1 : p+T+1]; each stream carries its final state (detached) into the next
    window; p += T.
  * Model: one-hot inputs -> torch.nn.LSTM / GRU / RNN(tanh) (input_size V, batch_first) ->
    dropout (only if --dropout > 0) -> torch.nn.Linear(H, V) on every step's output. Dropout is
    Zaremba-style: between stacked layers (the torch module's own `dropout`) and on the last
    layer's output, never on the recurrent connections.
  * Loss: cross-entropy, mean over all B*T predictions. Adam(lr). The global gradient norm is
    clipped to --clip (clip_grad_norm_) before each step.
  * Validation loss: the validation text is read once, sequentially, from its first character,
    batch 1, zero initial state carried through the whole text; the mean over its n_val - 1
    predictions of -ln p(next character), in nats per character (also given in bits per
    character and as perplexity). Dropout is off (model.eval()).
  * Time: the training clock counts training steps only; evaluation time is measured and
    reported separately. Characters/s = B*T*steps / training seconds.

Threads: with --threads 2 on a 2-core machine that is also running something else, torch's
OpenMP threads spin-wait for the one that lost its core, and a step can become several times
slower (seen here: 1,500-8,000 characters/s against 15,000 with --threads 1 while a Swift build
ran). Benchmark on a quiet machine; OMP_WAIT_POLICY=PASSIVE softens the effect.
"""
import argparse
import json
import math
import os
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

# Peak memory right after the imports, before any data or model: the CUDA-enabled wheel from PyPI
# maps several hundred MB of libraries at `import torch` even on CPU, which the final peak
# includes; reported separately so a comparison can tell the two apart.
IMPORT_MEMORY_MB = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_DATA = os.path.normpath(os.path.join(ROOT, "..", "shared", "data", "tinyshakespeare.txt"))
EVAL_CHUNK = 4096  # time steps per forward call during evaluation (bounds its memory)
THRESHOLDS = (1.6, 1.5)  # validation losses (nats/char) whose first crossing time is reported


def parse_arguments():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default=DEFAULT_DATA, help="UTF-8 text file (default: %(default)s)")
    p.add_argument("--cell", choices=("lstm", "gru", "rnn"), default="lstm")
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--batch", type=int, default=32, help="number of streams B")
    p.add_argument("--seq", type=int, default=64, help="window length T (time steps per step)")
    p.add_argument("--lr", type=float, default=2e-3, help="Adam's learning rate")
    p.add_argument("--clip", type=float, default=5.0, help="global gradient-norm clip (<= 0: none)")
    p.add_argument("--dropout", type=float, default=0.0, help="between layers and before the Linear")
    p.add_argument("--seconds", type=float, default=600.0, help="training-time budget (evaluation excluded)")
    p.add_argument("--steps", type=int, default=None, help="optional maximum number of steps")
    p.add_argument("--eval-every", type=int, default=250, help="steps between evaluations (0: only at the end)")
    p.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    p.add_argument("--seed", type=int, default=1, help="torch.manual_seed")
    p.add_argument("--validation", type=float, default=0.1, help="fraction of the text held out at its end")
    p.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    p.add_argument("--json", action="store_true", help="print one JSON summary line at the end")
    return p.parse_args()


# ---------------------------------------------------------------------------------------------
# Data


def load_text(path):
    """The file's characters as indices (an int64 tensor) and the vocabulary (a str, in index order).

    The bytes are decoded as UTF-8 without newline translation (open()'s text mode would turn
    "\\r\\n" into "\\n"); a Python str is a sequence of code points, so iterating it gives code
    points, and sorting one-character strings sorts them by code point.
    """
    with open(path, "rb") as f:
        text = f.read().decode("utf-8")
    vocabulary = "".join(sorted(set(text)))
    index = {c: i for i, c in enumerate(vocabulary)}
    return torch.tensor([index[c] for c in text], dtype=torch.int64), vocabulary


def split(data, validation):
    """(training, validation): the last floor(n * validation) characters are held out."""
    n = len(data)
    held = int(n * validation)
    return data[: n - held], data[n - held:]


class Batches:
    """char-rnn's batches: B parallel streams over consecutive segments, one shared pointer."""

    def __init__(self, train, B, T):
        self.B, self.T = B, T
        self.L = len(train) // B
        if self.L < T + 1:
            sys.exit(f"the training text ({len(train)} characters) is too short for {B} streams of {T + 1}")
        self.streams = train[: B * self.L].view(B, self.L)  # row b = seg_b = train[b*L : (b+1)*L]
        self.p = 0

    def next(self):
        """(inputs, targets, reset): two B×T index tensors; reset says the states must restart at zero."""
        reset = False
        if self.p + self.T + 1 > self.L:
            self.p, reset = 0, True
        p, T = self.p, self.T
        x = self.streams[:, p: p + T]
        y = self.streams[:, p + 1: p + T + 1]
        self.p += T
        return x, y, reset


# ---------------------------------------------------------------------------------------------
# Model


class CharRNN(nn.Module):
    """One-hot -> LSTM/GRU/RNN(tanh) -> [dropout] -> Linear(H, V).

    The submodules are named `rnn` and `out`, so the state_dict holds "rnn.weight_ih_l0", ...,
    "out.weight", "out.bias" (the layout pytorch_check_score.py loads).
    """

    def __init__(self, cell, V, H, layers, dropout):
        super().__init__()
        self.V = V
        module = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[cell]
        extra = {"nonlinearity": "tanh"} if cell == "rnn" else {}
        # torch applies its `dropout` to the outputs of every layer but the last (a warning
        # otherwise, so 0 for one layer); the last layer's output gets self.drop below.
        self.rnn = module(input_size=V, hidden_size=H, num_layers=layers, batch_first=True,
                          dropout=dropout if layers > 1 else 0.0, **extra)
        self.drop = nn.Dropout(dropout)
        self.out = nn.Linear(H, V)

    def forward(self, x, state=None):
        """x: B×T indices; state: None (zeros) or the torch module's state. Returns (B×T×V logits, state)."""
        one_hot = F.one_hot(x, self.V).to(self.out.weight.dtype)
        hs, state = self.rnn(one_hot, state)
        return self.out(self.drop(hs)), state


def detached(state):
    """The state without its graph (LSTM: the pair (h, c); GRU and RNN: h)."""
    if isinstance(state, tuple):
        return tuple(s.detach() for s in state)
    return state.detach()


@torch.no_grad()
def evaluate(model, val):
    """Mean -ln p(next character) over the n_val - 1 predictions of `val`, read once from zero state.

    Batch 1, in chunks of EVAL_CHUNK steps with the state carried between them. The per-chunk
    sums are taken in float64 (the logits are widened before log-softmax), so a float32 model's
    loss is not further rounded by a float32 accumulation over 111k terms.
    """
    was_training = model.training
    model.eval()
    state, total = None, 0.0
    predictions = len(val) - 1
    for start in range(0, predictions, EVAL_CHUNK):
        end = min(start + EVAL_CHUNK, predictions)
        x = val[start:end].unsqueeze(0)
        y = val[start + 1: end + 1]
        logits, state = model(x, state)
        total += F.cross_entropy(logits[0].double(), y, reduction="sum").item()
    model.train(was_training)
    return total / predictions


# ---------------------------------------------------------------------------------------------
# Training


def main():
    args = parse_arguments()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    dtype = {"float32": torch.float32, "float64": torch.float64}[args.dtype]

    data, vocabulary = load_text(args.data)
    train, val = split(data, args.validation)
    V, B, T = len(vocabulary), args.batch, args.seq
    batches = Batches(train, B, T)

    model = CharRNN(args.cell, V, args.hidden, args.layers, args.dropout).to(dtype)
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    parameters = sum(p.numel() for p in model.parameters())

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {args.dtype}")
    print(f"data {args.data}: {len(data):,} characters, V = {V}; training {len(train):,}, "
          f"validation {len(val):,}; {B} streams of L = {batches.L:,}")
    print(f"model {args.cell} {args.layers}x{args.hidden}, {parameters:,} parameters; batch {B}, seq {T}, "
          f"lr {args.lr:g}, clip {args.clip:g}, dropout {args.dropout:g}, seed {args.seed}")
    print(f"budget {args.seconds:g} s of training" + (f" or {args.steps} steps" if args.steps else "")
          + f", evaluation every {args.eval_every} steps", flush=True)

    state = None  # None = zeros, for every stream
    step, train_seconds, eval_seconds = 0, 0.0, 0.0
    losses_since_eval = []
    evaluations = []  # dicts: step, train_time, train_loss, val_loss, eval_seconds
    best = None  # the evaluation with the lowest val_loss
    crossed = {t: None for t in THRESHOLDS}  # threshold -> the first evaluation at or below it

    def run_evaluation():
        nonlocal eval_seconds, best, losses_since_eval
        if len(val) < 2:
            return
        started = time.perf_counter()
        val_loss = evaluate(model, val)
        took = time.perf_counter() - started
        eval_seconds += took
        train_loss = sum(losses_since_eval) / len(losses_since_eval) if losses_since_eval else None
        losses_since_eval = []
        e = {"step": step, "train_time": train_seconds, "train_loss": train_loss, "val_loss": val_loss,
             "eval_seconds": took}
        evaluations.append(e)
        if best is None or val_loss < best["val_loss"]:
            best = e
        for t in THRESHOLDS:
            if crossed[t] is None and val_loss <= t:
                crossed[t] = e
        shown = "-" if train_loss is None else f"{train_loss:.4f}"
        print(f"step {step}  train-time {train_seconds:.1f}s  train-loss {shown}  "
              f"val-loss {val_loss:.4f}  best {best['val_loss']:.4f}  (evaluation {took:.1f}s)", flush=True)

    while train_seconds < args.seconds and (args.steps is None or step < args.steps):
        # One training step; only this block is on the training clock.
        started = time.perf_counter()
        x, y, reset = batches.next()
        if reset:
            state = None
        logits, state = model(x, state)
        loss = F.cross_entropy(logits.reshape(-1, V), y.reshape(-1))  # mean over B*T
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if args.clip > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
        optimizer.step()
        state = detached(state)
        losses_since_eval.append(loss.item())  # .item() also waits for the step to finish
        train_seconds += time.perf_counter() - started
        step += 1
        if args.eval_every > 0 and step % args.eval_every == 0:
            run_evaluation()
    if not evaluations or evaluations[-1]["step"] != step:
        run_evaluation()  # the final evaluation (unless the last step was just evaluated)

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    chars_per_second = B * T * step / train_seconds if train_seconds > 0 else None

    def when(e):
        return "never" if e is None else f"{e['train_time']:.1f}s (step {e['step']})"

    print(f"characters/s {chars_per_second or 0:,.0f}  ({step} steps of {B}x{T} in {train_seconds:.1f}s "
          f"of training; evaluation {eval_seconds:.1f}s more)")
    for t in THRESHOLDS:
        print(f"val-loss <= {t}: {when(crossed[t])}")
    if best is not None:
        b = best["val_loss"]
        print(f"best val-loss {b:.4f} nats/char = {b / math.log(2):.4f} bits/char, "
              f"perplexity {math.exp(b):.3f}, at {when(best)}")
    print(f"peak memory {peak_mb:.1f} MB (ru_maxrss; {IMPORT_MEMORY_MB:.1f} MB of it already after `import torch`)",
          flush=True)

    if args.json:
        def at(e):
            return None if e is None else {"train_time": e["train_time"], "step": e["step"]}

        summary = {
            "implementation": "pytorch", "torch": torch.__version__, "threads": torch.get_num_threads(),
            "data": args.data, "characters": len(data), "vocabulary": V,
            "train_characters": len(train), "validation_characters": len(val),
            "cell": args.cell, "layers": args.layers, "hidden": args.hidden, "batch": B, "seq": T,
            "lr": args.lr, "clip": args.clip, "dropout": args.dropout, "seed": args.seed,
            "dtype": args.dtype, "parameters": parameters,
            "steps": step, "train_seconds": train_seconds, "eval_seconds": eval_seconds,
            "characters_per_second": chars_per_second,
            "time_to_val_1.6": at(crossed[1.6]), "time_to_val_1.5": at(crossed[1.5]),
            "best_val_loss": None if best is None else best["val_loss"],
            "best_val_bits_per_char": None if best is None else best["val_loss"] / math.log(2),
            "best_val_perplexity": None if best is None else math.exp(best["val_loss"]),
            "best_at": at(best),
            "final_val_loss": evaluations[-1]["val_loss"] if evaluations else None,
            "peak_memory_mb": peak_mb, "import_memory_mb": IMPORT_MEMORY_MB,
            "evaluations": evaluations,
        }
        print(json.dumps(summary))


if __name__ == "__main__":
    main()
