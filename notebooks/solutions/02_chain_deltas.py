def chain_deltas(w, a, y):
    """The error terms δ_l = ∂E/∂z_l of a chain of n sigmoid neurons, for one sample and E = ½(ŷ − y)².

    w: {l: w_l} for l = 1..n;  a: {l: a_l} for l = 0..n (a_0 = x, a_n = ŷ);  y: the target.
    Returns {l: δ_l} for l = 1..n.
    """
    n = len(w)
    delta = {n: (a[n] - y) * a[n] * (1 - a[n])}               # δ_n = (ŷ − y) σ'(z_n)
    for l in range(n - 1, 0, -1):                              # l = n − 1, ..., 1
        delta[l] = delta[l + 1] * w[l + 1] * a[l] * (1 - a[l])  # δ_l = δ_{l+1} w_{l+1} σ'(z_l)
    return delta
