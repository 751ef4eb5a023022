#pragma once
#include <math.h>
#include <stdint.h>
typedef struct { uint64_t s[4]; } rng_t;
void rng_seed(rng_t *g, uint64_t seed);
uint64_t rng_next(rng_t *g);
double rng_uniform(rng_t *g);
double rng_gaussian(rng_t *g);
double portable_log(double x);
