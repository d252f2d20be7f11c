def batch_gradients(G, A_prev):
    """dW (n, n_in) and db (n,) of the mean loss, from the per-sample error terms G (N, n) and the inputs A_prev (N, n_in)."""
    N = G.shape[0]
    dW = G.T @ A_prev / N  # the sum over the samples of the outer products, divided by N: their mean
    db = G.mean(axis=0)  # the mean of the rows: one number per unit, shape (n,) like b
    return dW, db
