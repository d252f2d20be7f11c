import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def dE_dw1(theta, x, y):
    """∂E/∂w1 of the chain for one sample, E = ½(ŷ − y)², by the chain rule."""
    w1, b1, w2, b2, w3, b3 = theta
    z1 = w1 * x + b1
    a1 = sigmoid(z1)
    z2 = w2 * a1 + b2
    a2 = sigmoid(z2)
    z3 = w3 * a2 + b3
    yhat = sigmoid(z3)
    # ∂E/∂ŷ · ∂ŷ/∂z3 · ∂z3/∂a2 · ∂a2/∂z2 · ∂z2/∂a1 · ∂a1/∂z1 · ∂z1/∂w1
    return (yhat - y) * yhat * (1 - yhat) * w3 * a2 * (1 - a2) * w2 * a1 * (1 - a1) * x
