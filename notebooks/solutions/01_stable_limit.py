import numpy as np


def stable_limit(H):
    """The largest stable learning rate of gradient descent on ½ (w - w*)^T H (w - w*): 2 / λ_max."""
    return 2 / np.linalg.eigvalsh(H).max()
