"""Activation functions, each next to its derivative.

All functions act elementwise on an array Z of any shape (usually (batch, n)),
except softmax, which normalises along the last axis.

`derivative(Z, A)` gets both the pre-activation Z and the activation A = f(Z),
because for several functions the derivative is cheapest in terms of A:
sigmoid'(z) = a (1 - a), tanh'(z) = 1 - a^2.
"""
import numpy as np

from .checks import check_choice


# --- sigmoid -----------------------------------------------------------------
def sigmoid(Z):
    """1 / (1 + e^-z), computed without overflow for large |z|.

    For z >= 0 we use 1 / (1 + e^-z); for z < 0 the equal form e^z / (1 + e^z).
    Either way the exponent is never positive, so it never overflows.
    """
    Z = np.asarray(Z)
    if Z.dtype.kind != "f":
        Z = Z.astype(np.float64)
    e = np.exp(-np.abs(Z))  # in (0, 1]: never overflows
    return np.where(Z >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_derivative(Z, A):
    """sigma'(z) = sigma(z) (1 - sigma(z)) = a (1 - a).  Its largest value is 0.25, at z = 0."""
    return A * (1.0 - A)


# --- tanh --------------------------------------------------------------------
def tanh(Z):
    """(e^z - e^-z) / (e^z + e^-z), in (-1, 1)."""
    return np.tanh(Z)


def tanh_derivative(Z, A):
    """tanh'(z) = 1 - tanh(z)^2 = 1 - a^2."""
    return 1.0 - A * A


# --- relu --------------------------------------------------------------------
def relu(Z):
    """max(0, z)."""
    return np.maximum(Z, 0)


def relu_derivative(Z, A):
    """1 where z > 0, else 0 (we take 0 at z = 0)."""
    return (Z > 0).astype(A.dtype)


# --- leaky relu ----------------------------------------------------------------
LEAKY_SLOPE = 0.01


def leaky_relu(Z):
    """z for z > 0, 0.01 z otherwise: a small slope so no unit is ever completely dead."""
    return np.where(Z > 0, Z, LEAKY_SLOPE * Z)


def leaky_relu_derivative(Z, A):
    """1 where z > 0, else 0.01."""
    return np.where(Z > 0, 1.0, LEAKY_SLOPE).astype(A.dtype)


# --- identity ------------------------------------------------------------------
def identity(Z):
    """f(z) = z: the output of a regression network."""
    return Z


def identity_derivative(Z, A):
    """f'(z) = 1."""
    return np.ones_like(A)


# --- softmax -------------------------------------------------------------------
def softmax(Z):
    """e^{z_j} / sum_k e^{z_k} along the last axis.

    Subtracting the row maximum first changes nothing mathematically (it cancels in the
    ratio) but keeps every exponent <= 0, so a logit of 1000 does not overflow to inf/inf = nan.
    """
    shifted = Z - np.max(Z, axis=-1, keepdims=True)
    E = np.exp(shifted)
    return E / np.sum(E, axis=-1, keepdims=True)


def softmax_backward(dA, A):
    """Vector-Jacobian product of softmax: dZ = A * (dA - sum_j dA_j A_j), row by row.

    Softmax couples the outputs of a row, so it has no elementwise derivative; its
    Jacobian is diag(a) - a a^T. With cross-entropy the product simplifies to A - Y
    (see losses.softmax_cross_entropy), which is what Network uses.
    """
    return A * (dA - np.sum(dA * A, axis=-1, keepdims=True))


# --- lookup by name ------------------------------------------------------------
ACTIVATIONS = {
    "sigmoid": (sigmoid, sigmoid_derivative),
    "tanh": (tanh, tanh_derivative),
    "relu": (relu, relu_derivative),
    "leaky_relu": (leaky_relu, leaky_relu_derivative),
    "identity": (identity, identity_derivative),
    "softmax": (softmax, None),  # no elementwise derivative: use softmax_backward
}


def get_activation(name):
    """Return (f, f_derivative) for an activation name; f_derivative is None for softmax."""
    check_choice("activation", name, ACTIVATIONS)
    return ACTIVATIONS[name]


def activation_backward(name, dA, Z, A):
    """dE/dZ from dE/dA for the named activation (elementwise, or softmax's Jacobian product)."""
    if name == "softmax":
        return softmax_backward(dA, A)
    return dA * get_activation(name)[1](Z, A)
