"""Backprop from Scratch: the small package the notebooks share.

Read it in this order: checks, activations, losses, layers, network, gradcheck, graph;
then data, plots and widgets, which the notebooks use to show things.
"""
from .activations import get_activation, sigmoid, softmax
from .gradcheck import check_network, numerical_gradient, relative_error
from .layers import dense_backward, dense_forward
from .losses import get_loss, one_hot
from .network import DivergedError, Network

__all__ = [
    "Network", "DivergedError", "dense_forward", "dense_backward", "get_activation", "sigmoid",
    "softmax", "get_loss", "one_hot", "numerical_gradient", "relative_error", "check_network",
]
