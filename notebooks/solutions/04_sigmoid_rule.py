from helpers import sigmoid


def sigmoid_backward(G, a):
    """The gradient rule of Y = sigmoid(a): given G = dL/dY, return dL/da (same shape as a)."""
    s = sigmoid(a)
    return G * s * (1 - s)
