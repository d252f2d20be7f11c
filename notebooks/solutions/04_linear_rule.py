def linear_backward(G, X, W, b):
    """The gradient rules of Y = X @ W.T + b: given G = dL/dY (N, n_out), return (dX, dW, db)."""
    dX = G @ W            # (N, n_in): matmul's rule, G times the transpose of W.T
    dW = G.T @ X          # (n_out, n_in), W's shape: matmul's rule, then transpose's
    db = G.sum(axis=0)    # (n_out,): b was broadcast to every row, so sum G over the rows
    return dX, dW, db
