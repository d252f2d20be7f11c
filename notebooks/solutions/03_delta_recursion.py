def delta_before(l, delta, W, Z, A):
    """delta_{l-1} (N, n_{l-1}) from delta[l] (N, n_l), the weights W[l] (n_l, n_{l-1}) and layer l-1's activations."""
    return (delta[l] @ W[l]) * A[l - 1] * (1 - A[l - 1])  # sigma'(Z[l-1]) = a (1 - a) with a = A[l-1]
