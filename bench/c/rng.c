/* The project's seeded random numbers, ported from Sources/RNNCore/Random.swift so the C
 * reference starts from exactly the same weights as rnnrepl. Compile WITHOUT -ffast-math and
 * with -ffp-contract=off: the draws must round exactly as in Swift. */
#include "rng.h"

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t splitmix64(uint64_t *state) {
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

void rng_seed(rng_t *g, uint64_t seed) {
    uint64_t mixer = seed;
    for (int i = 0; i < 4; i++) g->s[i] = splitmix64(&mixer);
}

uint64_t rng_next(rng_t *g) {  /* xoshiro256** */
    uint64_t *s = g->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t; s[3] = rotl(s[3], 45);
    return result;
}

double rng_uniform(rng_t *g) { return (double)(rng_next(g) >> 11) * 0x1.0p-53; }

/* ln x from + - * / only: x = m 2^k, m in [sqrt(1/2), sqrt(2)), s = (m-1)/(m+1),
 * ln x = k ln2 + 2 s (1 + s^2/3 + ... + s^24/25). Same operations, same order as Swift. */
double portable_log(double x) {
    int e;
    double m = frexp(x, &e) * 2.0;  /* frexp gives [0.5, 1); Swift's significand is [1, 2) */
    double exponent = (double)(e - 1);
    if (m > 1.4142135623730951) { m /= 2; exponent += 1; }
    double s = (m - 1) / (m + 1), s2 = s * s;
    double series = 1.0 / 25;
    for (double d = 23.0; d >= 1; d -= 2) series = series * s2 + 1 / d;
    const double ln2_hi = 0.69314718036912381649, ln2_lo = 1.90821492927058770002e-10;
    return exponent * ln2_hi + (exponent * ln2_lo + 2 * s * series);
}

double rng_gaussian(rng_t *g) {  /* Marsaglia's polar method, second value discarded */
    for (;;) {
        double u = 2 * rng_uniform(g) - 1, v = 2 * rng_uniform(g) - 1, s = u * u + v * v;
        if (s > 0 && s < 1) return u * sqrt(-2 * portable_log(s) / s);
    }
}
