def weight_gradient(l, delta, A):
    """dE/dW_l from the error terms delta[l] (N, n_l) and the layer's inputs A[l - 1] (N, n_{l-1})."""
    return delta[l].T @ A[l - 1]  # (n_l, N) @ (N, n_{l-1}) = (n_l, n_{l-1}), the shape of W_l
