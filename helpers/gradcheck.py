"""Gradient checking: compare analytic gradients with central finite differences.

    df/dx_i  ~  (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)          error O(eps^2)

Work in float64: in float32 the rounding error of f (about 1e-7 relative) divided by
2 eps swamps the answer.

The relative error is the one of CS231n:  max over entries of |a - n| / max(|a| + |n|, 1e-8).
Reading it: below 1e-7, the gradient is right; up to about 1e-5 is normal for a deeper network
or an entry whose gradient is tiny (the finite difference itself has rounding noise of about
1e-11 here); above 1e-2, the gradient is wrong.
"""
import numpy as np


def numerical_gradient(f, arrays, eps=1e-5):
    """Central finite differences of the scalar function f() with respect to each array.

    `arrays` is a list of float arrays that f reads (for example net.params); each entry is
    nudged in place and restored. Returns a list of arrays of the same shapes.
    """
    grads = []
    for a in arrays:
        if a.dtype != np.float64:
            raise TypeError(f"gradient checks need float64 arrays, got {a.dtype}")
        g = np.zeros_like(a)
        flat, gflat = a.reshape(-1), g.reshape(-1)  # views: writing to flat changes a
        if a.size and not np.shares_memory(flat, a):
            raise ValueError("numerical_gradient needs contiguous arrays it can nudge in place")
        for i in range(flat.size):
            old = flat[i]
            flat[i] = old + eps
            f_plus = f()
            flat[i] = old - eps
            f_minus = f()
            flat[i] = old
            gflat[i] = (f_plus - f_minus) / (2 * eps)
        grads.append(g)
    return grads


def relative_error(analytic, numeric, tiny=1e-8):
    """CS231n's relative error max |a - n| / max(|a| + |n|, tiny), for arrays or lists of arrays."""
    if isinstance(analytic, (list, tuple)):
        return max((relative_error(a, n, tiny) for a, n in zip(analytic, numeric)), default=0.0)
    a, n = np.asarray(analytic, dtype=np.float64), np.asarray(numeric, dtype=np.float64)
    if a.shape != n.shape:
        raise ValueError(f"cannot compare gradients of shapes {a.shape} and {n.shape}")
    return float(np.max(np.abs(a - n) / np.maximum(np.abs(a) + np.abs(n), tiny), initial=0.0))


def check_network(net, X, Y, eps=1e-5):
    """Relative error between net.gradients(X, Y) and finite differences of net.loss(X, Y).

    Returns one relative error per entry of net.params (W1, b1, W2, b2, ...).
    The network must be float64.
    """
    analytic = net.gradients(X, Y)
    numeric = numerical_gradient(lambda: net.loss(X, Y), net.params, eps)
    return [relative_error(a, n) for a, n in zip(analytic, numeric)]
