import numpy as np


def tanh_chain_gradients(theta, x, y):
    """[∂E/∂w1, ∂E/∂b1, ∂E/∂w2, ∂E/∂b2, ∂E/∂w3, ∂E/∂b3] of the tanh chain, one sample, E = ½(ŷ − y)²."""
    w1, b1, w2, b2, w3, b3 = theta
    a1 = np.tanh(w1 * x + b1)
    a2 = np.tanh(w2 * a1 + b2)
    a3 = np.tanh(w3 * a2 + b3)
    delta3 = (a3 - y) * (1 - a3 ** 2)        # tanh'(z) = 1 − tanh(z)² = 1 − a²
    delta2 = delta3 * w3 * (1 - a2 ** 2)
    delta1 = delta2 * w2 * (1 - a1 ** 2)
    return np.array([delta1 * x, delta1, delta2 * a1, delta2, delta3 * a2, delta3])
