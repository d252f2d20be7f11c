import numpy as np


def my_init(n_out, n_in, rng):
    """(W, b) for one layer of the sigmoid network [2, 1000, 1000, 2]: W (n_out, n_in), b (n_out,)."""
    # zero-mean, variance 1/fan_in: Var(z) = n_in * Var(w) * E[a^2] stays about E[a^2], whatever n_in
    return rng.normal(0.0, 1 / np.sqrt(n_in), size=(n_out, n_in)), np.zeros(n_out)
