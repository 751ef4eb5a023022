/* A tight C implementation of rnnrepl's training step (the vanilla RNN, Adagrad, elementwise
 * clipping, min-char-rnn's window and carried state), as the speed reference for bench/.
 * Row-vector convention as in rnnrepl: W_xh V×H, W_hh H×H, W_hy H×V, all row-major.
 *
 * usage: rnn CORPUS STEPS [HIDDEN] [SEQ]   (lr 0.1, clip 5, W_hh randn·0.01, seed 1)
 * prints: first-step loss, final smooth loss, steps/s, chars/s */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "rng.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

/* UTF-8 → code points (the corpus is valid UTF-8; rnnrepl checks that, we trust it here). */
static uint32_t *decode(const unsigned char *b, size_t n, size_t *count) {
    uint32_t *out = malloc(n * sizeof *out);
    size_t i = 0, k = 0;
    while (i < n) {
        unsigned c = b[i];
        if (c < 0x80) { out[k++] = c; i += 1; }
        else if (c < 0xE0) { out[k++] = ((c & 0x1F) << 6) | (b[i + 1] & 0x3F); i += 2; }
        else if (c < 0xF0) { out[k++] = ((c & 0x0F) << 12) | ((b[i + 1] & 0x3F) << 6) | (b[i + 2] & 0x3F); i += 3; }
        else { out[k++] = ((c & 0x07) << 18) | ((b[i + 1] & 0x3F) << 12) | ((b[i + 2] & 0x3F) << 6) | (b[i + 3] & 0x3F); i += 4; }
    }
    *count = k;
    return out;
}

static int compare_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: %s CORPUS STEPS [HIDDEN] [SEQ]\n", argv[0]); return 64; }
    long steps = atol(argv[2]);
    int H = argc > 3 ? atoi(argv[3]) : 100, T = argc > 4 ? atoi(argv[4]) : 25;
    const double lr = 0.1, clip = 5, scale = 0.01;

    FILE *f = fopen(argv[1], "rb");
    if (!f) { perror(argv[1]); return 66; }
    fseek(f, 0, SEEK_END); size_t bytes = ftell(f); fseek(f, 0, SEEK_SET);
    unsigned char *raw = malloc(bytes);
    if (fread(raw, 1, bytes, f) != bytes) { perror("read"); return 74; }
    fclose(f);
    size_t n;
    uint32_t *scalars = decode(raw, bytes, &n);
    free(raw);

    /* Vocabulary: distinct code points, sorted. */
    uint32_t *sorted = malloc(n * sizeof *sorted);
    memcpy(sorted, scalars, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, compare_u32);
    int V = 0;
    for (size_t i = 0; i < n; i++) if (i == 0 || sorted[i] != sorted[i - 1]) sorted[V++] = sorted[i];
    unsigned char *data = malloc(n);  /* V <= 256 for the benchmark's text */
    for (size_t i = 0; i < n; i++) {
        int lo = 0, hi = V - 1;
        while (lo < hi) { int mid = (lo + hi) / 2; if (sorted[mid] < scalars[i]) lo = mid + 1; else hi = mid; }
        data[i] = (unsigned char)lo;
    }
    free(scalars);

    /* Parameters in rnnrepl's draw order: W_xh, W_hh, W_hy row by row; biases zero. */
    size_t nxh = (size_t)V * H, nhh = (size_t)H * H, nhy = (size_t)H * V, total = nxh + nhh + nhy + H + V;
    double *theta = calloc(total, sizeof(double)), *grad = calloc(total, sizeof(double)), *mem = calloc(total, sizeof(double));
    double *Wxh = theta, *Whh = Wxh + nxh, *Why = Whh + nhh, *bh = Why + nhy, *by = bh + H;
    double *dWxh = grad, *dWhh = dWxh + nxh, *dWhy = dWhh + nhh, *dbh = dWhy + nhy, *dby = dbh + H;
    rng_t g;
    rng_seed(&g, 1);
    for (size_t i = 0; i < nxh + nhh + nhy; i++) theta[i] = rng_gaussian(&g) * scale;

    double *hs = calloc((size_t)(T + 1) * H, sizeof(double));  /* hs + (t+1)H is h_t */
    double *ps = malloc((size_t)T * V * sizeof(double));
    double *hprev = calloc(H, sizeof(double)), *dh = malloc(H * sizeof(double)), *draw = malloc(H * sizeof(double));
    double *dhnext = malloc(H * sizeof(double)), *dy = malloc(V * sizeof(double));
    double smooth = -log(1.0 / V) * T, first = 0;
    long p = 0;

    double start = now();
    for (long step = 0; step < steps; step++) {
        if (p + T + 1 > (long)n) { p = 0; memset(hprev, 0, H * sizeof(double)); }
        const unsigned char *x = data + p, *y = data + p + 1;
        /* forward */
        memcpy(hs, hprev, H * sizeof(double));
        double loss = 0;
        for (int t = 0; t < T; t++) {
            const double *h0 = hs + t * H;
            double *h = hs + (t + 1) * H, *z = ps + t * V;
            const double *row = Wxh + x[t] * H;
            for (int j = 0; j < H; j++) h[j] = row[j] + bh[j];
            for (int i = 0; i < H; i++) { double a = h0[i]; const double *w = Whh + i * H; for (int j = 0; j < H; j++) h[j] += a * w[j]; }
            for (int j = 0; j < H; j++) h[j] = tanh(h[j]);
            for (int k = 0; k < V; k++) z[k] = by[k];
            for (int i = 0; i < H; i++) { double a = h[i]; const double *w = Why + i * V; for (int k = 0; k < V; k++) z[k] += a * w[k]; }
            double m = z[0];
            for (int k = 1; k < V; k++) if (z[k] > m) m = z[k];
            double sum = 0;
            for (int k = 0; k < V; k++) { z[k] = exp(z[k] - m); sum += z[k]; }
            for (int k = 0; k < V; k++) z[k] /= sum;
            loss -= log(z[y[t]]);
        }
        /* backward */
        memset(grad, 0, total * sizeof(double));
        memset(dhnext, 0, H * sizeof(double));
        for (int t = T - 1; t >= 0; t--) {
            const double *h = hs + (t + 1) * H, *h0 = hs + t * H;
            memcpy(dy, ps + t * V, V * sizeof(double));
            dy[y[t]] -= 1;
            for (int i = 0; i < H; i++) { double a = h[i]; double *w = dWhy + i * V; for (int k = 0; k < V; k++) w[k] += a * dy[k]; }
            for (int k = 0; k < V; k++) dby[k] += dy[k];
            for (int i = 0; i < H; i++) { const double *w = Why + i * V; double s = dhnext[i]; for (int k = 0; k < V; k++) s += w[k] * dy[k]; dh[i] = s; }
            for (int j = 0; j < H; j++) draw[j] = (1 - h[j] * h[j]) * dh[j];
            for (int j = 0; j < H; j++) { dbh[j] += draw[j]; dWxh[x[t] * H + j] += draw[j]; }
            for (int i = 0; i < H; i++) { double a = h0[i]; double *w = dWhh + i * H; for (int j = 0; j < H; j++) w[j] += a * draw[j]; }
            for (int i = 0; i < H; i++) { const double *w = Whh + i * H; double s = 0; for (int j = 0; j < H; j++) s += w[j] * draw[j]; dhnext[i] = s; }
        }
        /* clip, Adagrad */
        for (size_t i = 0; i < total; i++) {
            double gi = grad[i] > clip ? clip : (grad[i] < -clip ? -clip : grad[i]);
            mem[i] += gi * gi;
            theta[i] -= lr * gi / sqrt(mem[i] + 1e-8);
        }
        memcpy(hprev, hs + T * H, H * sizeof(double));
        p += T;
        smooth = smooth * 0.999 + loss * 0.001;
        if (step == 0) first = loss;
    }
    double elapsed = now() - start;
    printf("first-loss %.17g\nsmooth-loss %.17g\nsteps %ld\nseconds %.6f\nsteps/s %.2f\nchars/s %.1f\n",
           first, smooth, steps, elapsed, steps / elapsed, steps * (double)T / elapsed);
    return 0;
}
