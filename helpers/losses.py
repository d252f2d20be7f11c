"""Loss (error) functions, each next to its gradient with respect to the prediction.

Shapes: predictions Yhat and targets Y are (batch, n_outputs). Every loss is a MEAN over
the batch, so its value and its gradients do not grow with the batch size.

The convention of the whole series for mean squared error, with N samples and M outputs:

    E = 1/(N M) * sum_i sum_j 1/2 (yhat_ij - y_ij)^2        dE/dyhat_ij = (yhat_ij - y_ij) / (N M)

The 1/2 cancels the 2 of the derivative. Note the sign: dE/dyhat = yhat - y (not y - yhat).

Cross-entropy for probabilities Yhat (each row sums to 1, e.g. from softmax) and one-hot Y:

    E = -1/N * sum_i sum_j y_ij log(yhat_ij)                 dE/dyhat_ij = -y_ij / (N yhat_ij)

For a single sigmoid output (M = 1, "log loss"), use binary cross-entropy:

    E = -1/N * sum_i [y_i log(yhat_i) + (1 - y_i) log(1 - yhat_i)]

Network does not use these on probabilities: with cross-entropy it hands the output layer's
pre-activations (the logits) to softmax_cross_entropy or sigmoid_cross_entropy at the end of
this file, which return the loss and its gradient dE/dZ = (P - Y) / N together.
"""
import numpy as np

from .activations import sigmoid
from .checks import check_choice

# log(0) = -inf: probabilities are clipped to [EPS, 1 - EPS] inside logarithms.
EPS = 1e-12


def one_hot(labels, n_classes, dtype=np.float64):
    """Integer labels (batch,) -> one-hot rows (batch, n_classes)."""
    labels = np.asarray(labels)
    Y = np.zeros((labels.shape[0], n_classes), dtype=dtype)
    Y[np.arange(labels.shape[0]), labels] = 1
    return Y


# --- mean squared error ----------------------------------------------------------
def mse(Yhat, Y):
    """1/(N M) sum 1/2 (yhat - y)^2, a float."""
    diff = Yhat - Y
    return float(0.5 * np.mean(diff * diff))


def mse_gradient(Yhat, Y):
    """dE/dYhat = (Yhat - Y) / (N M), shape (batch, n_outputs)."""
    return (Yhat - Y) / Yhat.size


# --- cross-entropy ---------------------------------------------------------------
def cross_entropy(Yhat, Y):
    """Cross-entropy, mean over the batch. One output column means binary cross-entropy."""
    P = np.clip(Yhat, EPS, 1 - EPS)
    if Yhat.shape[-1] == 1:
        return float(-np.mean(Y * np.log(P) + (1 - Y) * np.log(1 - P)))
    return float(-np.sum(Y * np.log(P)) / Yhat.shape[0])


def cross_entropy_gradient(Yhat, Y):
    """dE/dYhat, shape (batch, n_outputs)."""
    P = np.clip(Yhat, EPS, 1 - EPS)
    N = Yhat.shape[0]
    if Yhat.shape[-1] == 1:
        return (P - Y) / (P * (1 - P)) / N
    return -Y / P / N


# --- an output activation and its loss as one function of the logits ------------
# CS231n's softmax_loss pattern: the function takes the output layer's pre-activations Z
# (the logits), not probabilities, and returns (E, dE/dZ). The 1/P of the cross-entropy
# and the P of the activation's derivative cancel, so dE/dZ = (P - Y) / N: it never
# vanishes when the output saturates, and nothing is divided by a probability near 0.
# The losses are computed from Z, which is exact where a probability rounds to 0 or 1.


def softmax_cross_entropy(Z, Y):
    """Softmax followed by cross-entropy, from the logits Z (batch, M) and one-hot Y.

        P = softmax(Z),   E = -1/N sum_i sum_j y_ij log p_ij,   dE/dZ = (P - Y) / N

    With m the row maximum and S = sum_k e^(z_k - m): log p_j = z_j - m - log S, so
    E = 1/N sum Y (log S + m - Z), exact even where p_j rounds to 0. Returns (E, dZ).
    """
    N = Z.shape[0]
    m = np.max(Z, axis=-1, keepdims=True)
    exp = np.exp(Z - m)  # every exponent <= 0: no overflow
    S = np.sum(exp, axis=-1, keepdims=True)
    loss = float(np.sum(Y * (np.log(S) + m - Z)) / N)
    P = exp / S
    return loss, (P - Y) / N


def sigmoid_cross_entropy(Z, Y):
    """Sigmoid followed by binary cross-entropy, from the logits Z (batch, M) and 0/1 targets Y.

    Each of the M outputs is its own yes/no question (M = 1: two classes; M > 1: several
    labels per sample can be 1). Summed over the outputs, mean over the batch, as softmax's:

        P = sigmoid(Z),   E = -1/N sum_i sum_j [y_ij log p_ij + (1 - y_ij) log(1 - p_ij)],
        dE/dZ = (P - Y) / N

    log sigmoid(z) = -log(1 + e^-z) = -logaddexp(0, -z) and log(1 - sigmoid(z)) = -logaddexp(0, z),
    which never overflow. Returns (E, dZ).
    """
    N = Z.shape[0]
    loss = float(np.sum(Y * np.logaddexp(0, -Z) + (1 - Y) * np.logaddexp(0, Z)) / N)
    return loss, (sigmoid(Z) - Y) / N


LOSSES = {
    "mse": (mse, mse_gradient),
    "cross_entropy": (cross_entropy, cross_entropy_gradient),
}


def get_loss(name):
    """Return (loss, gradient) for a loss name."""
    check_choice("loss", name, LOSSES)
    return LOSSES[name]
