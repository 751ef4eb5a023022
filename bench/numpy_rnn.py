"""The benchmark's training step in NumPy: the tool users would reach for instead of rnnrepl.

Same model and step as rnnrepl and bench/c/rnn.c (vanilla RNN in the row-vector convention,
Adagrad, elementwise clipping to [-5, 5], min-char-rnn's windows and carried state), starting
from exactly the same weights: the seeded generator of Sources/RNNCore/Random.swift is ported
below with Python integers and floats (IEEE doubles, so every draw is bit-identical).

usage: python3 numpy_rnn.py CORPUS STEPS [HIDDEN] [SEQ] [--trace N]
"""
import math
import sys
import time

import numpy as np

MASK = (1 << 64) - 1


class SeededGenerator:
    """xoshiro256** seeded by SplitMix64, as in Random.swift."""

    def __init__(self, seed):
        state = seed
        self.s = []
        for _ in range(4):
            state = (state + 0x9E3779B97F4A7C15) & MASK
            z = state
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
            self.s.append(z ^ (z >> 31))

    def next(self):
        s = self.s
        result = (((s[1] * 5) & MASK) << 7 | ((s[1] * 5) & MASK) >> 57) & MASK
        result = (result * 9) & MASK
        t = (s[1] << 17) & MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = ((s[3] << 45) | (s[3] >> 19)) & MASK
        return result

    def uniform(self):
        return (self.next() >> 11) * 2.0 ** -53

    def gaussian(self):
        while True:
            u = 2 * self.uniform() - 1
            v = 2 * self.uniform() - 1
            s = u * u + v * v
            if 0 < s < 1:
                return u * math.sqrt(-2 * portable_log(s) / s)


def portable_log(x):
    """ln x from + - * / only, the same operations in the same order as Random.swift."""
    m, e = math.frexp(x)
    m *= 2.0
    exponent = float(e - 1)
    if m > 1.4142135623730951:
        m /= 2
        exponent += 1
    s = (m - 1) / (m + 1)
    s2 = s * s
    series = 1.0 / 25
    d = 23.0
    while d >= 1:
        series = series * s2 + 1 / d
        d -= 2
    ln2_hi, ln2_lo = 0.69314718036912381649, 1.90821492927058770002e-10
    return exponent * ln2_hi + (exponent * ln2_lo + 2 * s * series)


def load_corpus(path):
    """The text as indices into its vocabulary (sorted by code point, as rnnrepl's), and V."""
    text = open(path, encoding="utf-8").read()
    vocabulary = sorted(set(text), key=ord)
    index = {c: i for i, c in enumerate(vocabulary)}
    return np.array([index[c] for c in text], dtype=np.int64), len(vocabulary)


def clip_and_adagrad(params, grads, mems, lr, clip):
    """Elementwise clipping to [-clip, clip], then mem += g²; θ -= lr·g/√(mem + 1e-8), in place."""
    for param, d, mem in zip(params, grads, mems):
        np.clip(d, -clip, clip, out=d)
        mem += d * d
        param -= lr * d / np.sqrt(mem + 1e-8)


def report(first, smooth, steps, seq, elapsed):
    """The lines bench/run.py reads."""
    print("first-loss %.17g" % first)
    print("smooth-loss %.17g" % smooth)
    print("steps/s %.2f" % (steps / elapsed))
    print("chars/s %.1f" % (steps * seq / elapsed))


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    trace = int(sys.argv[sys.argv.index("--trace") + 1]) if "--trace" in sys.argv else 0
    if trace:
        args = args[:-1] if args and args[-1] == str(trace) else args
    path, steps = args[0], int(args[1])
    H = int(args[2]) if len(args) > 2 else 100
    T = int(args[3]) if len(args) > 3 else 25
    lr, clip, scale = 0.1, 5.0, 0.01

    data, V = load_corpus(path)

    # Weights in rnnrepl's draw order: W_xh, W_hh, W_hy, row by row; biases zero.
    g = SeededGenerator(1)
    Wxh = np.array([g.gaussian() * scale for _ in range(V * H)]).reshape(V, H)
    Whh = np.array([g.gaussian() * scale for _ in range(H * H)]).reshape(H, H)
    Why = np.array([g.gaussian() * scale for _ in range(H * V)]).reshape(H, V)
    bh, by = np.zeros(H), np.zeros(V)
    params = [Wxh, Whh, Why, bh, by]
    mems = [np.zeros_like(p) for p in params]

    hprev = np.zeros(H)
    smooth = -math.log(1.0 / V) * T
    p = 0
    first = None
    start = time.perf_counter()
    for step in range(steps):
        if p + T + 1 > len(data):
            p = 0
            hprev = np.zeros(H)
        inputs, targets = data[p:p + T], data[p + 1:p + T + 1]
        # forward
        hs = {-1: hprev}
        ps = {}
        loss = 0.0
        for t in range(T):
            hs[t] = np.tanh(Wxh[inputs[t]] + hs[t - 1] @ Whh + bh)
            z = hs[t] @ Why + by
            e = np.exp(z - z.max())
            ps[t] = e / e.sum()
            loss -= math.log(ps[t][targets[t]])
        # backward
        dWxh, dWhh, dWhy = np.zeros_like(Wxh), np.zeros_like(Whh), np.zeros_like(Why)
        dbh, dby = np.zeros_like(bh), np.zeros_like(by)
        dhnext = np.zeros(H)
        for t in reversed(range(T)):
            dy = ps[t].copy()
            dy[targets[t]] -= 1
            dWhy += np.outer(hs[t], dy)
            dby += dy
            dh = Why @ dy + dhnext
            dhraw = (1 - hs[t] * hs[t]) * dh
            dbh += dhraw
            dWxh[inputs[t]] += dhraw
            dWhh += np.outer(hs[t - 1], dhraw)
            dhnext = Whh @ dhraw
        clip_and_adagrad(params, [dWxh, dWhh, dWhy, dbh, dby], mems, lr, clip)
        hprev = hs[T - 1]
        p += T
        smooth = smooth * 0.999 + loss * 0.001
        if first is None:
            first = loss
        if step < trace:
            print("step %d loss %.17g" % (step + 1, loss))
    report(first, smooth, steps, T, time.perf_counter() - start)


if __name__ == "__main__":
    main()
