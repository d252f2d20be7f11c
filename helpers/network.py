"""`Network`: a fully connected network of any depth, trained by gradient descent.

This file is written to be read. Hold it beside the pseudo-code of notebook 04, repeated here,
and each line of the pseudo-code is one line of `Network` (the method is named on the right):

    forward:   A_0 = X
               for l = 1..L:   A_l, cache_l = dense_forward(A_{l-1}, W_l, b_l, f_l)      _forward
    loss:      E, dA_L = loss(A_L, Y)                                                 _loss_and_gradient
    backward:  for l = L..1:   dA_{l-1}, dW_l, db_l = dense_backward(dA_l, cache_l)     _backward
                               (for l = 1, dA_0 = dE/dX is not needed: it is skipped)
    update:    for l = 1..L:   W_l <- W_l - lr dW_l ;  b_l <- b_l - lr db_l              _step

The layer functions of helpers.layers hold the formulas, once:

    dense_forward:    Z_l = A_{l-1} @ W_l.T + b_l ;   A_l = f_l(Z_l)
    dense_backward:   dZ_l = dA_l * f_l'(Z_l) ;   dW_l = dZ_l.T @ A_{l-1} ;   db_l = dZ_l summed over
                      the rows ;   dA_{l-1} = dZ_l @ W_l

Shapes (samples are rows): X (N, n_0); W_l (n_l, n_{l-1}); b_l (n_l,); Z_l, A_l, dZ_l (N, n_l).
Losses are means over the batch, so the gradients are too.

With cross-entropy the output activation (softmax, or sigmoid) is part of the loss: the last
layer is linear (f_L is the identity, so A_L = Z_L, the logits), and the loss takes the logits
and returns dE/dZ_L = (softmax(Z_L) - Y) / N, or (sigmoid(Z_L) - Y) / N, directly (see
helpers.losses.softmax_cross_entropy). `forward` and `predict` apply the output activation.

Example:
    net = Network([784, 128, 10], activation="relu", output="softmax", loss="cross_entropy", seed=0)
    history = net.fit(X, labels, epochs=5, lr=0.1, batch_size=64)
"""
import ctypes
import functools
import math
import sys

import numpy as np

from . import checks
from .activations import ACTIVATIONS, activation_backward, get_activation
from .layers import dense_backward, dense_forward
from .losses import mse, mse_gradient, one_hot, sigmoid_cross_entropy, softmax_cross_entropy


@functools.cache
def keep_freed_memory():
    """A speed workaround, in this one place: ask glibc (Linux) to keep freed memory for reuse.

    Training allocates fresh arrays at every step (a float64 MNIST batch and its weight gradient
    are about 0.4 and 0.8 MB). glibc can hand blocks this large back to the system when they are
    freed, and the next step then faults them in again page by page: about 400,000 page faults
    per float64 MNIST epoch in a fresh process, which took 2.5 times the CPU time of an epoch
    without them. Raising glibc's mmap and trim thresholds (mallopt) keeps up to 64 MB of freed
    memory in the process instead. The numbers computed do not change. fit() calls this; on
    other systems (macOS, Windows, musl) it does nothing. Returns True if the thresholds were set.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # from glibc's malloc.h
    return bool(mallopt(M_MMAP_THRESHOLD, 32 * 2**20)) and bool(mallopt(M_TRIM_THRESHOLD, 64 * 2**20))


class DivergedError(FloatingPointError):
    """Training produced an infinite or NaN loss or parameter (usually: the learning rate is too large)."""


# name -> how the weights W (n_out, n_in) and biases b (n_out,) of a layer are drawn. The first two
# are the naive choices of texts the series follows: N(0, 1) in Daniel Sabinasz's "Deep Learning From
# Scratch" (https://www.deepideas.net, code at https://github.com/danielsabinasz/TensorSlow), and
# U[0, 1) (np.random.rand) in the blog post "Practice Implementing Gradient Descent".
INITIALISATIONS = {
    "normal": "N(0, 1) weights and biases: the naive choice",
    "uniform": "U[0, 1) weights and biases: np.random.rand, another naive choice",
    "lecun": "N(0, 1/fan_in) weights, zero biases: keeps the variance of Z near that of the inputs",
    "xavier": "N(0, 2/(fan_in + fan_out)) weights, zero biases: Glorot's choice for sigmoid and tanh",
    "he": "N(0, 2/fan_in) weights, zero biases: for relu, which zeroes half of its inputs",
}


def init_weights(name, n_out, n_in, rng, dtype=np.float64):
    """Return (W, b) for one layer, W of shape (n_out, n_in), b of shape (n_out,)."""
    checks.check_choice("initialisation", name, INITIALISATIONS)
    if name == "uniform":
        return rng.random((n_out, n_in)).astype(dtype), rng.random(n_out).astype(dtype)
    if name == "normal":
        return rng.standard_normal((n_out, n_in)).astype(dtype), rng.standard_normal(n_out).astype(dtype)
    std = {"lecun": np.sqrt(1 / n_in), "xavier": np.sqrt(2 / (n_in + n_out)), "he": np.sqrt(2 / n_in)}[name]
    return (std * rng.standard_normal((n_out, n_in))).astype(dtype), np.zeros(n_out, dtype=dtype)


class Network:
    """A fully connected network: `sizes` = [n_0, n_1, ..., n_L], inputs first.

    activation  hidden layers' activation: 'sigmoid', 'tanh', 'relu', 'leaky_relu', 'identity'
    output      output layer's activation; by default 'softmax' (or 'sigmoid' for one output) with
                cross-entropy, otherwise the hidden activation
    loss        'mse' or 'cross_entropy' (mean over the batch, see helpers.losses). Cross-entropy
                goes with a softmax output (one class per sample) or with sigmoid outputs (each
                output a yes/no label of its own: one output for two classes, several for multi-label)
    init        weight initialisation name (helpers.network.INITIALISATIONS); by default 'he'
                for relu-like activations and 'xavier' otherwise
    init_scale  every initial weight and bias is multiplied by this (for scale experiments)
    seed        seeds the initial weights and the shuffling in fit()
    dtype       'float32' or 'float64'

    The parameters are net.weights = [W_1, ..., W_L] and net.biases = [b_1, ..., b_L];
    net.params is the flat list [W_1, b_1, ..., W_L, b_L] of the same arrays.
    """

    def __init__(self, sizes, activation="sigmoid", output=None, loss="mse", init=None,
                 init_scale=1.0, seed=0, dtype="float64"):
        self.sizes = checks.check_layer_sizes(sizes)
        self.dtype = checks.check_float_dtype(dtype)
        self.activation = checks.check_choice("activation", activation, set(ACTIVATIONS) - {"softmax"})
        self.loss_name = checks.check_choice("loss", loss, {"mse", "cross_entropy"})
        n_out = self.sizes[-1]
        if output is None:
            output = ("softmax" if n_out > 1 else "sigmoid") if loss == "cross_entropy" else activation
        self.output = checks.check_choice("output activation", output, ACTIVATIONS)
        if loss == "cross_entropy" and output not in ("softmax", "sigmoid"):
            raise ValueError("cross_entropy needs output='softmax' (one class per sample) or output='sigmoid' "
                             f"(a yes/no label per output); got output={output!r}")
        if output == "softmax" and n_out < 2:
            raise ValueError("a softmax output needs at least 2 units; use output='sigmoid' for one output")
        if init is None:
            init = "he" if activation in ("relu", "leaky_relu") else "xavier"
        self.init = checks.check_choice("initialisation", init, INITIALISATIONS)
        scale = self.dtype.type(checks.as_finite_array("init_scale", init_scale, ndim=0))
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.weights, self.biases = [], []
        for n_prev, n in zip(self.sizes[:-1], self.sizes[1:]):
            W, b = init_weights(init, n, n_prev, self.rng, self.dtype)
            self.weights.append(W * scale)
            self.biases.append(b * scale)
        # The activation each dense layer applies: with cross-entropy the output's is in the loss.
        self.layer_activations = self.activations[:-1] + ["identity" if loss == "cross_entropy" else output]

    @property
    def params(self):
        """[W_1, b_1, ..., W_L, b_L]: the same arrays as weights and biases (changing one changes both)."""
        return [p for W, b in zip(self.weights, self.biases) for p in (W, b)]

    @property
    def activations(self):
        """The activation name of each layer 1..L."""
        return [self.activation] * (len(self.sizes) - 2) + [self.output]

    def __repr__(self):
        return (f"Network({self.sizes}, activation={self.activation!r}, output={self.output!r}, "
                f"loss={self.loss_name!r}, init={self.init!r}, dtype={self.dtype.name!r})")

    # --- input checks --------------------------------------------------------------------
    def _check_X(self, X):
        return checks.check_inputs(X, self.sizes[0], self.dtype)

    def _check_XY(self, X, Y):
        X = self._check_X(X)
        classes = self.loss_name == "cross_entropy" and (self.output == "softmax" or self.sizes[-1] == 1)
        Y = checks.check_targets(Y, X.shape[0], self.sizes[-1], self.dtype, allow_labels=classes)
        if Y.ndim == 1:  # integer labels -> one-hot targets (or a 0/1 column for one sigmoid output)
            Y = Y[:, None].astype(self.dtype) if self.sizes[-1] == 1 else one_hot(Y, self.sizes[-1], self.dtype)
        return X, Y

    # --- the algorithm: forward, loss, backward, update --------------------------------------
    def _forward(self, X):
        """Return (the last layer's output A_L, [cache_1, ..., cache_L])."""
        A, caches = X, []
        for W, b, f in zip(self.weights, self.biases, self.layer_activations):
            A, cache = dense_forward(A, W, b, f)
            caches.append(cache)
        return A, caches

    def _loss_and_gradient(self, A_L, Y):
        """Return (E, dE/dA_L). With cross-entropy A_L is the logits Z_L, and dE/dA_L = (P - Y) / N."""
        if self.loss_name == "mse":
            return mse(A_L, Y), mse_gradient(A_L, Y)
        if self.output == "softmax":
            return softmax_cross_entropy(A_L, Y)
        return sigmoid_cross_entropy(A_L, Y)

    def _backward(self, dA, caches):
        """Return the gradients ([dW_1, ..., dW_L], [db_1, ..., db_L]) from dA = dE/dA_L."""
        L = len(caches)
        dWs, dbs = [None] * L, [None] * L
        for l in reversed(range(L)):  # Python's l = 0..L-1 is layer l + 1 of the maths
            dA, dWs[l], dbs[l] = dense_backward(dA, caches[l], need_dA_prev=l > 0)  # dE/dX: not needed
        return dWs, dbs

    def _step(self, X, Y, lr):
        """One gradient-descent update on checked arrays; returns the loss before it."""
        A_L, caches = self._forward(X)
        E, dA_L = self._loss_and_gradient(A_L, Y)
        if not math.isfinite(E):
            raise DivergedError(f"the loss became infinite or NaN (loss = {E}): "
                                f"the learning rate {lr:g} is probably too large")
        dWs, dbs = self._backward(dA_L, caches)
        for W, b, dW, db in zip(self.weights, self.biases, dWs, dbs):
            W -= lr * dW
            b -= lr * db
        return E

    def _check_parameters_finite(self, lr):
        if not all(np.isfinite(p).all() for p in self.params):
            raise DivergedError(f"a weight or bias became infinite or NaN: the learning rate {lr:g} "
                                "is probably too large")

    # --- the public methods: each checks its input, then runs the algorithm ------------------
    def forward(self, X):
        """The prediction Yhat = A_L for a batch X (batch, n_0): (batch, n_L), after the output activation."""
        X = self._check_X(X)
        with np.errstate(over="ignore", invalid="ignore"):
            A_L = self._forward(X)[0]
            if self.loss_name == "cross_entropy":  # A_L is the logits: apply softmax or sigmoid
                A_L = get_activation(self.output)[0](A_L)
        return A_L

    def loss(self, X, Y):
        """The mean loss over the batch, a float."""
        X, Y = self._check_XY(X, Y)
        with np.errstate(over="ignore", invalid="ignore"):
            return self._loss_and_gradient(self._forward(X)[0], Y)[0]

    def gradients(self, X, Y):
        """dE/dparam for every entry of params, a flat list in the same order [dW_1, db_1, ..., dW_L, db_L]."""
        X, Y = self._check_XY(X, Y)
        with np.errstate(over="ignore", invalid="ignore"):
            A_L, caches = self._forward(X)
            dWs, dbs = self._backward(self._loss_and_gradient(A_L, Y)[1], caches)
        return [g for dW, db in zip(dWs, dbs) for g in (dW, db)]

    def trace(self, X, Y=None):
        """Every layer's insides, for experiments: a list with one dict per layer 1..L.

        Each dict holds 'Z' and 'A' (batch, n_l) ('A' of the last layer is the prediction);
        with targets Y also 'dZ' (batch, n_l), 'dW' (n_l, n_{l-1}) and 'db' (n_l,).
        """
        if Y is None:
            X = self._check_X(X)
        else:
            X, Y = self._check_XY(X, Y)
        with np.errstate(over="ignore", invalid="ignore"):
            A_L, caches = self._forward(X)
            layers = [{"Z": Z, "A": A} for _, _, Z, A, _ in caches]
            if self.loss_name == "cross_entropy":
                layers[-1]["A"] = get_activation(self.output)[0](A_L)
            if Y is not None:
                dA = self._loss_and_gradient(A_L, Y)[1]
                for l in reversed(range(len(caches))):  # _backward, keeping dZ_l = dA_l * f_l'(Z_l) too
                    _, _, Z, A, f = caches[l]
                    layers[l]["dZ"] = activation_backward(f, dA, Z, A)
                    dA, layers[l]["dW"], layers[l]["db"] = dense_backward(dA, caches[l])
        return layers

    def step(self, X, Y, lr):
        """One gradient-descent update, params <- params - lr * gradients; returns the loss before it."""
        lr = checks.check_learning_rate(lr)
        X, Y = self._check_XY(X, Y)
        with np.errstate(over="ignore", invalid="ignore"):
            E = self._step(X, Y, lr)
        self._check_parameters_finite(lr)
        return E

    def fit(self, X, Y, epochs=10, lr=0.1, batch_size=32, shuffle=True, callback=None):
        """Mini-batch gradient descent.

        batch_size=len(X) is full-batch gradient descent and batch_size=1 is stochastic
        gradient descent; a batch_size above len(X) means full batch. Each epoch visits
        every sample once, in a new random order if shuffle (seeded by the network's seed).

        Returns a dict of lists: 'loss', the mean loss of each epoch (the average of the
        losses before each update, weighted by batch size), and 'step_loss', the loss before
        every update. callback(epoch, history), if given, is called after each epoch.
        Raises DivergedError if the loss or a parameter becomes infinite or NaN.
        """
        lr = checks.check_learning_rate(lr)
        epochs = checks.check_positive_int("epochs", epochs)
        batch_size = checks.check_positive_int("batch_size", batch_size)
        X, Y = self._check_XY(X, Y)
        n = X.shape[0]
        keep_freed_memory()
        history = {"loss": [], "step_loss": []}
        for epoch in range(epochs):
            order = self.rng.permutation(n) if shuffle else np.arange(n)
            total = 0.0
            with np.errstate(over="ignore", invalid="ignore"):
                for start in range(0, n, batch_size):
                    rows = order[start:start + batch_size]
                    E = self._step(X[rows], Y[rows], lr)
                    history["step_loss"].append(E)
                    total += E * len(rows)
            self._check_parameters_finite(lr)
            history["loss"].append(total / n)
            if callback is not None:
                callback(epoch, history)
        return history

    # --- using the trained network -------------------------------------------------------
    def predict(self, X):
        """Class labels for classification networks, else the prediction Yhat (batch, n_L).

        softmax output: the most probable class, labels (batch,). Sigmoid outputs with
        cross-entropy: 1 where the probability is above 0.5, labels (batch,) for one output,
        a 0/1 array (batch, n_L) for several (multi-label). Otherwise Yhat itself.
        """
        Yhat = self.forward(X)
        if self.output == "softmax":
            return np.argmax(Yhat, axis=1)
        if self.loss_name == "cross_entropy":
            yes = (Yhat > 0.5).astype(np.int64)
            return yes[:, 0] if self.sizes[-1] == 1 else yes
        return Yhat

    def accuracy(self, X, labels):
        """The fraction of samples whose predicted class equals its integer label (labels of shape (batch,)).

        The predicted class is the argmax of the outputs when there are several, and
        output > 0.5 when there is one, whatever the output activation and loss (so a sigmoid
        network trained with MSE on one-hot targets is scored like a softmax one). A multi-label
        network (several sigmoid outputs, cross-entropy) takes 0/1 targets (batch, n_L) instead,
        and scores the fraction of entries predicted right.
        """
        Yhat = self.forward(X)
        n_out = self.sizes[-1]
        if self.loss_name == "cross_entropy" and self.output == "sigmoid" and n_out > 1:
            targets = checks.check_targets(labels, len(Yhat), n_out, self.dtype, allow_labels=False)
            return float(np.mean((Yhat > 0.5) == (targets > 0.5)))
        labels = checks.check_labels(labels, len(Yhat), max(n_out, 2))
        predicted = np.argmax(Yhat, axis=1) if n_out > 1 else (Yhat[:, 0] > 0.5).astype(np.int64)
        return float(np.mean(predicted == labels))
