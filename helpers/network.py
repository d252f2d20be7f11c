"""`Network`: a fully connected network of any depth, trained by gradient descent.

The convention of the series (see the table in notebook 01):

    X   (batch, n_0)              samples are rows
    W_l (n_l, n_{l-1})            one row of weights per unit of layer l
    b_l (n_l,)
    Z_l = A_{l-1} @ W_l.T + b_l   (batch, n_l),   A_0 = X
    A_l = f_l(Z_l)                (batch, n_l),   A_L = Yhat, the prediction

Backpropagation, for l = L, L-1, ..., 1:

    dZ_L = dE/dYhat * f_L'(Z_L)   (or (Yhat - Y) / N for softmax/sigmoid + cross-entropy)
    dW_l = dZ_l.T @ A_{l-1}       db_l = dZ_l.sum(0)
    dZ_{l-1} = (dZ_l @ W_l) * f_{l-1}'(Z_{l-1})

Example:
    net = Network([784, 128, 10], activation="relu", output="softmax", loss="cross_entropy", seed=0)
    history = net.fit(X, labels, epochs=5, lr=0.1, batch_size=64)
"""
import numpy as np

from . import checks
from .activations import ACTIVATIONS, activation_backward, get_activation
from .losses import cross_entropy_from_logits, get_loss, one_hot, softmax_cross_entropy_gradient


def _softmax_and_cross_entropy(Z, Y):
    """Return (softmax(Z), cross-entropy of it against Y) with one exp(Z - max) for both.

    The same operations as activations.softmax and losses.cross_entropy_from_logits, which
    each compute the exponentials and their row sums S: P = e^(Z - m) / S and the loss
    -1/N sum Y log P = 1/N sum Y (log S + m - Z), exact even where P rounds to 0.
    """
    m = np.max(Z, axis=-1, keepdims=True)
    E = np.exp(Z - m)
    S = np.sum(E, axis=-1, keepdims=True)
    loss = float(np.sum(Y * (np.log(S) + m - Z)) / Z.shape[0])
    return E / S, loss


class DivergedError(FloatingPointError):
    """Training produced an infinite or NaN loss or gradient (usually: the learning rate is too large)."""


# name -> (how to draw a (n_out, n_in) weight matrix, are biases drawn the same way?)
INITIALISATIONS = {
    "normal": "N(0, 1) weights and biases: the seeds' naive choice",
    "uniform": "U[0, 1) weights and biases: seed 000's np.random.rand",
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
    loss        'mse' or 'cross_entropy' (mean over the batch, see helpers.losses)
    init        weight initialisation name (helpers.network.INITIALISATIONS); by default 'he'
                for relu-like activations and 'xavier' otherwise
    init_scale  every initial weight and bias is multiplied by this (for scale experiments)
    seed        seeds the initial weights and the shuffling in fit()
    dtype       'float32' or 'float64'
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
        if loss == "cross_entropy" and (output, n_out > 1) not in {("softmax", True), ("sigmoid", False)}:
            raise ValueError("cross_entropy needs output='softmax' with 2 or more outputs, or output='sigmoid' "
                             f"with 1 output; got output={output!r} with {n_out} output(s)")
        if output == "softmax" and n_out < 2:
            raise ValueError("a softmax output needs at least 2 units; use output='sigmoid' for one output")
        if init is None:
            init = "he" if activation in ("relu", "leaky_relu") else "xavier"
        self.init = checks.check_choice("initialisation", init, INITIALISATIONS)
        scale = checks.as_finite_array("init_scale", init_scale, ndim=0)
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.params = []
        for n_prev, n in zip(self.sizes[:-1], self.sizes[1:]):
            W, b = init_weights(init, n, n_prev, self.rng, self.dtype)
            self.params += [W * self.dtype.type(scale), b * self.dtype.type(scale)]
        self._loss, self._loss_gradient = get_loss(loss)
        self._fused = loss == "cross_entropy"  # softmax/sigmoid + cross-entropy: dZ_L = (Yhat - Y) / N
        self._derivative = get_activation(self.activation)[1]  # f'(Z, A) of the hidden layers

    # --- views of the parameters ---------------------------------------------------------
    @property
    def weights(self):
        """[W_1, ..., W_L], W_l of shape (n_l, n_{l-1}) (the same arrays as in params)."""
        return self.params[0::2]

    @property
    def biases(self):
        """[b_1, ..., b_L], b_l of shape (n_l,) (the same arrays as in params)."""
        return self.params[1::2]

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
        Y = checks.check_targets(Y, X.shape[0], self.sizes[-1], self.dtype, allow_labels=self._fused)
        if Y.ndim == 1:  # integer labels -> one-hot targets (or a 0/1 column for one sigmoid output)
            Y = Y[:, None].astype(self.dtype) if self.sizes[-1] == 1 else one_hot(Y, self.sizes[-1], self.dtype)
        return X, Y

    # --- forward -------------------------------------------------------------------------
    def _forward(self, X, output_activation=True):
        """Return the lists Zs = [Z_1..Z_L] and As = [A_0=X, A_1..A_L] (As without A_L if not output_activation)."""
        Zs, As = [], [X]
        for W, b, name in zip(self.weights, self.biases, self.activations):
            Z = As[-1] @ W.T
            Z += b  # in place: one array per layer, not two
            Zs.append(Z)
            if len(Zs) < len(self.weights) or output_activation:
                As.append(get_activation(name)[0](Z))
        return Zs, As

    def forward(self, X):
        """The prediction Yhat = A_L for a batch X (batch, n_0); returns (batch, n_L)."""
        X = self._check_X(X)
        with np.errstate(over="ignore", invalid="ignore"):
            return self._forward(X)[1][-1]

    def _loss_of(self, Zs, As, Y):
        """The mean loss; with cross-entropy it is computed from the logits Z_L, which is exact."""
        return cross_entropy_from_logits(Zs[-1], Y) if self._fused else self._loss(As[-1], Y)

    def _forward_and_loss(self, X, Y):
        """Return (Zs, As, loss). Softmax and cross-entropy share their exponentials (see
        _softmax_and_cross_entropy); the numbers are the same as _forward then _loss_of."""
        if not (self._fused and self.output == "softmax"):
            Zs, As = self._forward(X)
            return Zs, As, self._loss_of(Zs, As, Y)
        Zs, As = self._forward(X, output_activation=False)
        P, loss = _softmax_and_cross_entropy(Zs[-1], Y)
        As.append(P)
        return Zs, As, loss

    def loss(self, X, Y):
        """The mean loss over the batch, a float."""
        X, Y = self._check_XY(X, Y)
        with np.errstate(over="ignore", invalid="ignore"):
            return self._forward_and_loss(X, Y)[2]

    # --- backward ------------------------------------------------------------------------
    def _backward(self, Zs, As, Y, grads=None):
        """Return (gradients like params, dZs = [dZ_1..dZ_L]).

        grads: arrays shaped like params to write the gradients into (fit reuses one set for
        every step, so no large array is allocated per step); by default new ones.
        """
        L = len(Zs)
        if grads is None:
            grads = [np.empty_like(p) for p in self.params]
        dZs = [None] * L
        if self._fused:
            dZ = softmax_cross_entropy_gradient(As[-1], Y)
        else:
            dZ = activation_backward(self.output, self._loss_gradient(As[-1], Y), Zs[-1], As[-1])
        for l in range(L - 1, -1, -1):  # layer l+1 in the maths' numbering
            dZs[l] = dZ
            # helpers.layers.linear_backward, writing into grads, and without dA_prev = dZ @ W
            # for the first layer: nothing needs dE/dX, and that product is as large as dW_1's.
            np.matmul(dZ.T, As[l], out=grads[2 * l])  # dW = dZ^T A_prev
            np.sum(dZ, axis=0, out=grads[2 * l + 1])  # db = sum of dZ over the batch
            if l > 0:
                dZ = dZ @ self.params[2 * l]  # dA_prev, then in place dZ_prev = dA_prev * f'(Z_prev)
                dZ *= self._derivative(Zs[l - 1], As[l])
        return grads, dZs

    def gradients(self, X, Y):
        """dE/dparam for every entry of params, same shapes and order."""
        X, Y = self._check_XY(X, Y)
        with np.errstate(over="ignore", invalid="ignore"):
            return self._backward(*self._forward(X), Y)[0]

    def trace(self, X, Y=None):
        """Every layer's insides, for experiments: a list with one dict per layer 1..L.

        Each dict holds 'Z' and 'A' (batch, n_l); with targets Y also 'dZ' (batch, n_l),
        'dW' (n_l, n_{l-1}) and 'db' (n_l,).
        """
        if Y is None:
            X = self._check_X(X)
        else:
            X, Y = self._check_XY(X, Y)
        with np.errstate(over="ignore", invalid="ignore"):
            Zs, As = self._forward(X)
            layers = [{"Z": Z, "A": A} for Z, A in zip(Zs, As[1:])]
            if Y is not None:
                grads, dZs = self._backward(Zs, As, Y)
                for l, layer in enumerate(layers):
                    layer.update(dZ=dZs[l], dW=grads[2 * l], db=grads[2 * l + 1])
        return layers

    # --- training ---------------------------------------------------------------------------
    def _step(self, X, Y, lr, grads=None):
        """One update on checked arrays, inside np.errstate; returns the loss before it.

        grads: preallocated gradient arrays to reuse (see _backward). The update is in place,
        p -= lr * g, with lr * g computed into g: no temporary as large as a weight matrix.
        """
        Zs, As, loss = self._forward_and_loss(X, Y)
        grads, dZs = self._backward(Zs, As, Y, grads)
        # A NaN or inf anywhere shows in the loss or in an error term dZ (small arrays, cheap to
        # check); a gradient dW = dZ^T A_prev of finite factors is finite.
        if not np.isfinite(loss) or not all(np.isfinite(dZ).all() for dZ in dZs):
            raise DivergedError(f"the loss or a gradient became infinite or NaN (loss = {loss}): "
                                f"the learning rate {lr:g} is probably too large")
        for p, g in zip(self.params, grads):
            np.multiply(g, lr, out=g)
            p -= g
        return loss

    def step(self, X, Y, lr):
        """One gradient-descent update, params <- params - lr * gradients; returns the loss before it."""
        lr = checks.check_learning_rate(lr)
        X, Y = self._check_XY(X, Y)
        with np.errstate(over="ignore", invalid="ignore"):
            return self._step(X, Y, lr)

    def fit(self, X, Y, epochs=10, lr=0.1, batch_size=32, shuffle=True, callback=None):
        """Mini-batch gradient descent.

        batch_size=len(X) is full-batch gradient descent and batch_size=1 is stochastic
        gradient descent; a batch_size above len(X) means full batch. Each epoch visits
        every sample once, in a new random order if shuffle (seeded by the network's seed).

        Returns a dict of lists: 'loss', the mean loss of each epoch (the average of the
        losses before each update, weighted by batch size), and 'step_loss', the loss before
        every update. callback(epoch, history), if given, is called after each epoch.
        Raises DivergedError if the loss or a gradient becomes infinite or NaN.
        """
        lr = checks.check_learning_rate(lr)
        epochs = checks.check_positive_int("epochs", epochs)
        batch_size = checks.check_positive_int("batch_size", batch_size)
        X, Y = self._check_XY(X, Y)
        n = X.shape[0]
        batch_size = min(batch_size, n)
        # Arrays reused by every step: the batch (gathered from X and Y in the shuffled order)
        # and the gradients. Fresh arrays of these sizes at every step cost more than the
        # arithmetic on them (the memory allocator returns them to the system and gets them back).
        X_batch = np.empty((batch_size, X.shape[1]), dtype=X.dtype)
        Y_batch = np.empty((batch_size, Y.shape[1]), dtype=Y.dtype)
        grads = [np.empty_like(p) for p in self.params]
        history = {"loss": [], "step_loss": []}
        for epoch in range(epochs):
            order = self.rng.permutation(n) if shuffle else np.arange(n)
            total = 0.0
            with np.errstate(over="ignore", invalid="ignore"):
                for start in range(0, n, batch_size):
                    rows = order[start:start + batch_size]
                    m = len(rows)
                    xb = np.take(X, rows, axis=0, out=X_batch[:m], mode="clip")  # X[rows], into X_batch
                    yb = np.take(Y, rows, axis=0, out=Y_batch[:m], mode="clip")
                    loss = self._step(xb, yb, lr, grads)
                    history["step_loss"].append(loss)
                    total += loss * m
            history["loss"].append(total / n)
            if callback is not None:
                callback(epoch, history)
        return history

    # --- using the trained network -------------------------------------------------------
    def predict(self, X):
        """Class labels (batch,) for classification networks, else the prediction Yhat (batch, n_L)."""
        Yhat = self.forward(X)
        if self.output == "softmax":
            return np.argmax(Yhat, axis=1)
        if self._fused:  # one sigmoid output with cross-entropy
            return (Yhat[:, 0] > 0.5).astype(np.int64)
        return Yhat

    def accuracy(self, X, labels):
        """The fraction of samples whose predicted class equals the label."""
        return float(np.mean(self.predict(X) == np.asarray(labels)))
