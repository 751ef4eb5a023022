"""The benchmark's training step for the gated cells in NumPy (LSTM and GRU), as a NumPy user
would write it: the gates' matrices side by side (x·[W_xi W_xf W_xg W_xo] is one row lookup,
h·[W_hi W_hf W_hg W_ho] one matrix–vector product), Adagrad, elementwise clipping to [-5, 5],
min-char-rnn's windows and carried state. The equations are rnnrepl's (README, `help init`);
the weights are drawn by the same seeded generator in the same order, so the first step's
loss must match rnnrepl's.

usage: python3 numpy_gated.py lstm|gru CORPUS STEPS [HIDDEN] [SEQ]
"""
import math
import sys
import time

import numpy as np

from numpy_rnn import SeededGenerator, clip_and_adagrad, load_corpus, report


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def main():
    cell, path, steps = sys.argv[1], sys.argv[2], int(sys.argv[3])
    H = int(sys.argv[4]) if len(sys.argv) > 4 else 100
    T = int(sys.argv[5]) if len(sys.argv) > 5 else 25
    lr, clip, scale, forget_bias = 0.1, 5.0, 0.01, 1.0
    gates = 4 if cell == "lstm" else 3

    data, V = load_corpus(path)

    # rnnrepl's draw order: every W_x· (V×H, row by row), every W_h· (H×H), W_hy; biases after.
    g = SeededGenerator(1)
    Wx = np.concatenate([np.array([g.gaussian() * scale for _ in range(V * H)]).reshape(V, H) for _ in range(gates)], axis=1)
    Wh = np.concatenate([np.array([g.gaussian() * scale for _ in range(H * H)]).reshape(H, H) for _ in range(gates)], axis=1)
    Why = np.array([g.gaussian() * scale for _ in range(H * V)]).reshape(H, V)
    b = np.zeros(gates * H)
    if cell == "lstm":
        b[H:2 * H] = forget_bias  # b_f
    bhn = np.zeros(H)  # the GRU's b_hn (unused by the LSTM)
    by = np.zeros(V)
    params = [Wx, Wh, Why, b, bhn, by]
    mems = [np.zeros_like(p) for p in params]

    hprev, cprev = np.zeros(H), np.zeros(H)
    smooth = -math.log(1.0 / V) * T
    p = 0
    first = None
    start = time.perf_counter()
    for _ in range(steps):
        if p + T + 1 > len(data):
            p = 0
            hprev, cprev = np.zeros(H), np.zeros(H)
        inputs, targets = data[p:p + T], data[p + 1:p + T + 1]
        hs, cs, acts, hns, ps = {-1: hprev}, {-1: cprev}, {}, {}, {}
        loss = 0.0
        for t in range(T):
            if cell == "lstm":
                a = Wx[inputs[t]] + hs[t - 1] @ Wh + b
                i, f, o = sigmoid(a[:H]), sigmoid(a[H:2 * H]), sigmoid(a[3 * H:])
                gg = np.tanh(a[2 * H:3 * H])
                cs[t] = f * cs[t - 1] + i * gg
                tc = np.tanh(cs[t])
                hs[t] = o * tc
                acts[t] = (i, f, gg, o, tc)
            else:
                a = Wx[inputs[t]] + b
                recurrent = hs[t - 1] @ Wh
                r = sigmoid(a[:H] + recurrent[:H])
                u = sigmoid(a[H:2 * H] + recurrent[H:2 * H])
                hns[t] = recurrent[2 * H:] + bhn
                n = np.tanh(a[2 * H:] + r * hns[t])
                hs[t] = (1 - u) * n + u * hs[t - 1]
                acts[t] = (r, u, n)
            z = hs[t] @ Why + by
            e = np.exp(z - z.max())
            ps[t] = e / e.sum()
            loss -= math.log(ps[t][targets[t]])

        dWx, dWh, dWhy = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(Why)
        db, dbhn, dby = np.zeros_like(b), np.zeros_like(bhn), np.zeros_like(by)
        dhnext, dcnext = np.zeros(H), np.zeros(H)
        for t in reversed(range(T)):
            dy = ps[t].copy()
            dy[targets[t]] -= 1
            dWhy += np.outer(hs[t], dy)
            dby += dy
            dh = Why @ dy + dhnext
            if cell == "lstm":
                i, f, gg, o, tc = acts[t]
                dc = dcnext + dh * o * (1 - tc * tc)
                da = np.concatenate([dc * gg * i * (1 - i), dc * cs[t - 1] * f * (1 - f),
                                     dc * i * (1 - gg * gg), dh * tc * o * (1 - o)])
                dcnext = dc * f
                dhnext = Wh @ da
                dWh += np.outer(hs[t - 1], da)
            else:
                r, u, n = acts[t]
                dan = dh * (1 - u) * (1 - n * n)
                dau = dh * (hs[t - 1] - n) * u * (1 - u)
                dhn = dan * r
                dar = dan * hns[t] * r * (1 - r)
                da = np.concatenate([dar, dau, dan])
                drecurrent = np.concatenate([dar, dau, dhn])
                dbhn += dhn
                dhnext = dh * u + Wh @ drecurrent
                dWh += np.outer(hs[t - 1], drecurrent)
            db += da
            dWx[inputs[t]] += da
        clip_and_adagrad(params, [dWx, dWh, dWhy, db, dbhn, dby], mems, lr, clip)
        hprev, cprev = hs[T - 1], cs.get(T - 1, cprev)
        p += T
        smooth = smooth * 0.999 + loss * 0.001
        if first is None:
            first = loss
    report(first, smooth, steps, T, time.perf_counter() - start)


if __name__ == "__main__":
    main()
