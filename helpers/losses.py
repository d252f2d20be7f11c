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
"""
import numpy as np

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


def cross_entropy_from_logits(Z, Y):
    """Cross-entropy of softmax(Z) (or sigmoid(Z) for one column), computed from the logits Z.

    Equal to cross_entropy(softmax(Z), Y), but exact where the probabilities round to 0 or 1:
    log softmax(z)_j = z_j - log sum_k e^{z_k}, with the maximum subtracted first, and for one
    column log sigmoid(z) = -log(1 + e^{-z}) = -logaddexp(0, -z). Network uses this one.
    """
    N = Z.shape[0]
    if Z.shape[-1] == 1:
        return float(np.sum(Y * np.logaddexp(0, -Z) + (1 - Y) * np.logaddexp(0, Z)) / N)
    m = np.max(Z, axis=-1, keepdims=True)
    log_sum = np.log(np.sum(np.exp(Z - m), axis=-1, keepdims=True)) + m
    return float(np.sum(Y * (log_sum - Z)) / N)


def softmax_cross_entropy_gradient(P, Y):
    """The fused gradient dE/dZ for softmax followed by cross-entropy: (P - Y) / N.

    The same holds for a sigmoid output with binary cross-entropy. The 1/P of the loss and
    the P of the activation's derivative cancel, so the gradient never vanishes when the output
    saturates, and nothing is divided by a probability near 0.
    """
    return (P - Y) / P.shape[0]


LOSSES = {
    "mse": (mse, mse_gradient),
    "cross_entropy": (cross_entropy, cross_entropy_gradient),
}


def get_loss(name):
    """Return (loss, gradient) for a loss name."""
    check_choice("loss", name, LOSSES)
    return LOSSES[name]
