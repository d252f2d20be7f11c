import numpy as np


def mse_gradient(Yhat, Y):
    """dE/dYhat of E = 1/(N M) sum ½ (yhat - y)², shape (N, M) like Yhat."""
    N, M = Y.shape
    return (Yhat - Y) / (N * M)
