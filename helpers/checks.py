"""Input checks shared by the helpers.

Every function here either returns a cleaned-up value or raises an error that says
what was wrong and what was expected, so a learner never meets a silent NaN or a
cryptic broadcasting error deep inside a backward pass.
"""
import math
import numbers

import numpy as np


def check_choice(kind, name, choices):
    """Return `name` if it is one of `choices`, else raise a ValueError listing them."""
    if not isinstance(name, str) or name not in choices:
        valid = ", ".join(repr(c) for c in sorted(choices))
        raise ValueError(f"unknown {kind} {name!r}; expected one of: {valid}")
    return name


def check_learning_rate(lr):
    """A learning rate must be a positive, finite number."""
    if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not math.isfinite(lr) or lr <= 0:
        raise ValueError(f"learning rate must be a positive finite number, got {lr!r}")
    return float(lr)


def check_positive_int(what, value):
    """`value` must be an integer >= 1 (a bool is not accepted)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{what} must be an integer >= 1, got {value!r}")
    return int(value)


def check_layer_sizes(sizes):
    """Layer sizes: a list of at least two positive integers, inputs first."""
    try:
        sizes = list(sizes)
    except TypeError:
        raise TypeError(f"layer sizes must be a list of integers like [2, 3, 1], got {sizes!r}") from None
    if len(sizes) < 2:
        raise ValueError(f"layer sizes need at least an input and an output size, like [2, 1]; got {sizes!r}")
    return [check_positive_int(f"layer size {i}", s) for i, s in enumerate(sizes)]


def check_float_dtype(dtype):
    """Only float32 and float64 are supported: gradients need real numbers."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype must be 'float32' or 'float64', got {dtype!r}") from None
    if dt not in (np.float32, np.float64):
        raise TypeError(f"dtype must be 'float32' or 'float64', got {dt.name!r}")
    return dt


def as_finite_array(name, value, dtype=np.float64, ndim=None):
    """Convert to a float array of `dtype`, rejecting NaN/inf and (optionally) the wrong rank."""
    try:
        arr = np.asarray(value, dtype=dtype)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an array of numbers, got {type(value).__name__}") from None
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension(s), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(f"{name} contains {bad} NaN or infinite value(s); expected only finite numbers")
    return arr


def check_inputs(X, n_inputs, dtype):
    """X must be (batch, n_inputs) and finite. A single sample of shape (n_inputs,) is an error."""
    X = as_finite_array("X", X, dtype)
    if X.ndim != 2 or X.shape[1] != n_inputs:
        hint = " (a single sample needs shape (1, n_inputs): use x[None, :])" if X.ndim == 1 else ""
        raise ValueError(f"X must have shape (batch, {n_inputs}), got {X.shape}{hint}")
    if X.shape[0] == 0:
        raise ValueError("X is empty; expected at least one sample (one row)")
    return X


def check_labels(labels, batch, n_classes):
    """Integer class labels: shape (batch,), values in [0, n_classes)."""
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"class labels must have shape (batch,), got {labels.shape}")
    if not np.issubdtype(labels.dtype, np.integer):
        raise TypeError(f"class labels must be integers, got dtype {labels.dtype}")
    if labels.shape[0] != batch:
        raise ValueError(f"X has {batch} samples but Y has {labels.shape[0]}; expected one label per row of X")
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(f"class labels must be in [0, {n_classes}), got values from {labels.min()} to {labels.max()}")
    return labels


def check_targets(Y, batch, n_outputs, dtype, allow_labels):
    """Y must be (batch, n_outputs) targets, or (batch,) integer labels in [0, n_outputs) if allowed."""
    Y = np.asarray(Y)
    if allow_labels and Y.ndim == 1:
        return check_labels(Y, batch, max(n_outputs, 2))  # one output still has two classes, 0 and 1
    Y = as_finite_array("Y", Y, dtype)
    if Y.ndim != 2 or Y.shape[1] != n_outputs:
        expected = f"(batch, {n_outputs})" + (" or integer labels of shape (batch,)" if allow_labels else "")
        raise ValueError(f"Y must have shape {expected}, got {Y.shape}")
    if Y.shape[0] != batch:
        raise ValueError(f"X has {batch} samples but Y has {Y.shape[0]}; expected one target row per row of X")
    return Y
