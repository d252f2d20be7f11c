import numpy as np


def gradient_step(W, b, X, Y, lr):
    """One step of gradient descent on the linear model Yhat = X W^T + b under mean squared error."""
    dZ = (X @ W.T + b - Y) / Y.size  # dE/dYhat, (N, 1)
    grad_W, grad_b = dZ.T @ X, dZ.sum(axis=0)  # shaped like W (1, 2) and b (1,)
    return W - lr * grad_W, b - lr * grad_b
