def delta3_cross_entropy(yhat, y):
    """δ3 = ∂E/∂z3 for E = −[y log ŷ + (1 − y) log(1 − ŷ)] and ŷ = σ(z3).

    ∂E/∂ŷ = (ŷ − y) / (ŷ(1 − ŷ)) and σ'(z3) = ŷ(1 − ŷ): their product is ŷ − y.
    """
    return yhat - y
