import numpy as np

from helpers import sigmoid


def my_gradients(weights, biases, X, Y):
    """[dW_1, db_1, ..., dW_L, db_L] of E = 1/(N M) sum 1/2 (A_L - Y)^2, tanh hidden layers, sigmoid outputs."""
    L = len(weights)
    Zs, As = [], [X]  # the forward pass, keeping every Z_l and A_l (As[0] is X = A_0)
    for l in range(L):
        Zs.append(As[-1] @ weights[l].T + biases[l])
        As.append(sigmoid(Zs[-1]) if l == L - 1 else np.tanh(Zs[-1]))
    # tanh'(Z) = 1 - A**2 and sigmoid'(Z) = A * (1 - A), with A = f(Z)
    N, M = Y.shape
    delta = (As[L] - Y) / (N * M) * As[L] * (1 - As[L])  # delta_L = dE/dA_L * f_L'(Z_L)
    grads = []
    for l in range(L, 0, -1):  # l = L, ..., 1; layer l has weights[l - 1] and input As[l - 1]
        grads = [delta.T @ As[l - 1], delta.sum(axis=0)] + grads  # dW_l, db_l, in front: first layer first
        if l > 1:
            delta = (delta @ weights[l - 1]) * (1 - As[l - 1] ** 2)  # delta_{l-1}, tanh' of layer l - 1
    return grads
