"""The dense (fully connected) layer: forward and backward side by side.

Shapes, for a layer with n_in inputs and n_out units and a batch of N samples (rows):

    A_prev (N, n_in)    W (n_out, n_in)    b (n_out,)
    Z = A_prev @ W.T + b            (N, n_out)   pre-activations
    A = f(Z)                        (N, n_out)   activations

Backward, given dA = dE/dA (N, n_out):

    dZ      = dA * f'(Z)            (N, n_out)   the error term, often written delta
    dW      = dZ.T @ A_prev         (n_out, n_in)
    db      = dZ.sum(axis=0)        (n_out,)
    dA_prev = dZ @ W                (N, n_in)    passed on to the layer before

(The blog post "Practice Implementing Gradient Descent" calls the error term psi.)
The losses are means over the batch, so dA already carries the 1/N: summing over the batch
in dW and db gives the mean gradient. These two functions are the only place in helpers/
where these formulas are written: helpers.Network loops over them.
"""
from .activations import activation_backward, get_activation


def dense_forward(A_prev, W, b, activation="identity"):
    """Return (A, cache): the layer's output A = f(A_prev @ W.T + b) and what dense_backward needs."""
    f = get_activation(activation)[0]
    Z = A_prev @ W.T + b
    A = f(Z)
    return A, (A_prev, W, Z, A, activation)


def dense_backward(dA, cache, need_dA_prev=True):
    """Return (dA_prev, dW, db) from dA = dE/dA and the cache of dense_forward.

    need_dA_prev=False skips dA_prev and returns None in its place: for the first layer it is
    dE/dX, which training never uses, and it costs as much as dW (Network skips it there:
    about a fifth of an MNIST epoch, measured by bench/bench.py).
    """
    A_prev, W, Z, A, activation = cache
    dZ = activation_backward(activation, dA, Z, A)
    dW = dZ.T @ A_prev
    db = dZ.sum(axis=0)
    dA_prev = dZ @ W if need_dA_prev else None
    return dA_prev, dW, db
