"""A computational-graph engine with reverse-mode backpropagation, to be read in one sitting.

1. nodes: placeholders (data fed at run time), variables (trainable), constants, and
   operations, all owned by a `Graph`;
2. the operations: one small class each, its forward rule `compute` beside its `gradient`;
3. evaluation (`forward`, `run`) in topological order;
4. backpropagation (`backward`, `gradients`) in REVERSE topological order, and one
   gradient-descent step (`minimize`).

Shapes follow the series convention: samples are rows, X is (batch, n_in), W is
(n_out, n_in), b is (n_out,) and Z = X @ W.T + b is (batch, n_out)::

    g = Graph()
    X = g.placeholder("X", shape=(None, 2))          # None: any batch size
    W = g.variable("W", rng.normal(size=(3, 2)))     # (n_out, n_in)
    b = g.variable("b", np.zeros(3))                 # (n_out,)
    Z = X @ W.T + b                                  # (batch, 3)
    loss = mean(reduce_sum(Z * Z, axis=1))           # scalar
    run(loss, {X: data})                             # forward pass
    dW, db = gradients(loss, [W, b], {X: data})      # backward pass
    minimize(loss, learning_rate=0.1, feed_dict={X: data})   # one descent step

Everything is float64 unless the graph is created with another dtype. Nothing is cached
on the nodes: values live in the dict that `forward` returns, so a gradient is never
computed from values left over from an earlier run, and computing it twice gives the same.
"""
import numpy as np

from helpers.checks import as_finite_array, check_float_dtype, check_learning_rate

# --- 1. Nodes and the graph ---------------------------------------------------------------


class Graph:
    """A container for nodes: placeholders, variables and constants are made by it, and
    operations join the graph of their inputs. There is no global default graph."""

    def __init__(self, dtype="float64"):
        self.dtype = check_float_dtype(dtype)
        self.nodes = []  # every node, in creation order
        self._counts = {}

    def _unique_name(self, kind):
        """'matmul_0', 'matmul_1', ...: the default node names."""
        n = self._counts.get(kind, 0)
        self._counts[kind] = n + 1
        return f"{kind}_{n}"

    def placeholder(self, name=None, shape=None):
        """Data fed at run time. `shape`: sizes or None (any size), e.g. (None, 2); None accepts any shape."""
        return Placeholder(self, name, shape)

    def variable(self, name, value):
        """A trainable array (`minimize` replaces its value)."""
        return Variable(self, name, value)

    def constant(self, value, name=None):
        """A fixed array. Numbers and arrays in formulas, like the 0.01 in 0.01 * W, become constants."""
        return Constant(self, name, value)

    @property
    def variables(self):
        """All trainable variables of this graph, in creation order."""
        return [n for n in self.nodes if isinstance(n, Variable)]


class Node:
    """A node knows its inputs and its consumers (the operations that use its output; one
    that uses it twice, like x * x, is listed twice). Python operators build operations."""

    __array_ufunc__ = None  # so that `numpy_array + node` builds a node instead of looping

    def __init__(self, graph, name=None, inputs=()):
        self.graph, self.inputs, self.consumers = graph, list(inputs), []
        for node in self.inputs:
            node.consumers.append(self)
        self.name = name if name is not None else graph._unique_name(type(self).__name__.lower())
        graph.nodes.append(self)

    def __repr__(self):
        return f"<{type(self).__name__} {self.name!r}>"

    def __neg__(self): return Negative(self)
    def __add__(self, other): return Add(self, other)
    def __radd__(self, other): return Add(other, self)
    def __sub__(self, other): return Subtract(self, other)
    def __rsub__(self, other): return Subtract(other, self)
    def __mul__(self, other): return Multiply(self, other)
    def __rmul__(self, other): return Multiply(other, self)
    def __matmul__(self, other): return MatMul(self, other)
    def __rmatmul__(self, other): return MatMul(other, self)

    @property
    def T(self):
        """The transpose of a 2-D node: `X @ W.T + b`."""
        return Transpose(self)


class Placeholder(Node):
    """Data fed at run time through `feed_dict`. `shape`: a tuple of sizes or None entries."""

    def __init__(self, graph, name=None, shape=None):
        if shape is not None:
            shape = tuple(shape)
            if any(d is not None and (isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 0)
                   for d in shape):
                raise ValueError(f"a placeholder shape holds sizes >= 0 or None (any size), got {shape!r}")
        self.shape = shape
        super().__init__(graph, name)

    def check_value(self, value):
        """Return `value` as a finite array of the graph's dtype with the declared shape, or raise."""
        arr = as_finite_array(f"placeholder {self.name!r}", value, self.graph.dtype)
        if self.shape is not None and not (
                arr.ndim == len(self.shape) and all(d is None or d == n for d, n in zip(self.shape, arr.shape))):
            raise ValueError(f"placeholder {self.name!r} expects shape {self.shape} "
                             f"(None = any size), got {arr.shape}")
        return arr


class Variable(Node):
    """A trainable array. `value` is replaced (not modified in place) by `minimize`."""

    def __init__(self, graph, name, value):
        super().__init__(graph, name)
        self.value = as_finite_array(f"variable {self.name!r}", value, graph.dtype).copy()


class Constant(Node):
    """A fixed array, such as the 0.01 in 0.01 * W."""

    def __init__(self, graph, name, value):
        super().__init__(graph, name)
        self.value = as_finite_array(f"constant {self.name!r}", value, graph.dtype).copy()


# --- 2. Operations: each forward rule beside its gradient ---------------------------------


class Operation(Node):
    """A node computed from its inputs. A subclass defines two methods:

    compute(*values)               -> the output value, from the inputs' values;
    gradient(G, inputs, output)    -> one gradient per input, each of that input's shape, given
                                      G = dLoss/d(output) (the output's shape), the list of input
                                      values and the output value.

    Inputs that are not nodes (numbers, arrays) become constants of the same graph.
    """

    def __init__(self, *inputs):
        nodes = [x for x in inputs if isinstance(x, Node)]
        kind = type(self).__name__.lower()
        if not nodes:
            raise TypeError(f"{kind} needs at least one graph node as input, got only numbers/arrays")
        graph = nodes[0].graph
        if any(x.graph is not graph for x in nodes):
            raise ValueError(f"{kind}: all inputs must belong to the same Graph")
        super().__init__(graph, None, [x if isinstance(x, Node) else Constant(graph, None, x) for x in inputs])

    def compute(self, *values):
        raise NotImplementedError(f"{type(self).__name__} has no compute(*values) method")

    def gradient(self, G, inputs, output):
        raise NotImplementedError(f"operation {type(self).__name__!r} has no gradient; expected a method "
                                  "gradient(self, G, inputs, output) returning one array per input")


def sum_to_shape(G, shape):
    """Sum the gradient G back to an operand's `shape`, undoing broadcasting.

    Broadcasting lines shapes up on the right, prepends axes and stretches axes of size 1:
    each entry of the operand was copied to several outputs, so its gradient is the SUM of
    G over those copies. So: sum the prepended axes away, then sum (keeping the axis) every
    axis where `shape` has 1 and G does not.

        G (4, 3) -> shape (3,):   G.sum(axis=0)
        G (4, 3) -> shape (4, 1): G.sum(axis=1, keepdims=True)
        G (4, 3) -> shape ():     G.sum()
    """
    G, shape = np.asarray(G), tuple(shape)
    extra = G.ndim - len(shape)
    if extra > 0:
        G = G.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and G.shape[i] != 1)
    return G.sum(axis=stretched, keepdims=True) if stretched else G


class Negative(Operation):
    """-x, any shape."""
    def compute(self, x): return -x
    def gradient(self, G, inputs, output): return [-G]


class Add(Operation):
    """a + b with NumPy broadcasting, e.g. (batch, n) + (n,) -> (batch, n)."""
    def compute(self, a, b): return a + b
    def gradient(self, G, inputs, output): return [sum_to_shape(G, x.shape) for x in inputs]


class Subtract(Operation):
    """a - b with NumPy broadcasting."""
    def compute(self, a, b): return a - b

    def gradient(self, G, inputs, output):
        a, b = inputs
        return [sum_to_shape(G, a.shape), sum_to_shape(-G, b.shape)]


class Multiply(Operation):
    """a * b elementwise with NumPy broadcasting, e.g. (4, 3) * (4, 1) -> (4, 3)."""
    def compute(self, a, b): return a * b

    def gradient(self, G, inputs, output):
        a, b = inputs
        return [sum_to_shape(G * b, a.shape), sum_to_shape(G * a, b.shape)]


class MatMul(Operation):
    """A @ B for 2-D arrays: (n, k) @ (k, m) -> (n, m). Gradients G @ B.T and A.T @ G."""

    def compute(self, A, B):
        if A.ndim != 2 or B.ndim != 2 or A.shape[1] != B.shape[0]:
            raise ValueError(f"cannot matmul shapes {A.shape} and {B.shape}; "
                             "expected 2-D arrays (n, k) and (k, m)")
        return A @ B

    def gradient(self, G, inputs, output):
        A, B = inputs
        return [G @ B.T, A.T @ G]


class Transpose(Operation):
    """x.T for a 2-D array: (n, m) -> (m, n)."""

    def compute(self, x):
        if x.ndim != 2:
            raise ValueError(f"transpose expects a 2-D array, got shape {x.shape}")
        return x.T

    def gradient(self, G, inputs, output): return [G.T]


class Sigmoid(Operation):
    """1 / (1 + exp(-x)) elementwise, computed as exp(-logaddexp(0, -x)), which never overflows."""
    def compute(self, x): return np.exp(-np.logaddexp(0.0, -x))
    def gradient(self, G, inputs, output): return [G * output * (1 - output)]  # sigma (1 - sigma)


class Log(Operation):
    """Natural log, elementwise, GUARDED: inputs below EPS are raised to EPS, so a probability
    that underflowed to 0 gives log(1e-12) = -27.6 (and a finite gradient) instead of -inf.
    Negative inputs are a bug (log of a negative number): they raise a ValueError."""

    EPS = 1e-12

    def compute(self, x):
        if np.any(x < 0):
            raise ValueError(f"log expects inputs >= 0 (for example probabilities), got a minimum of {x.min():.3g}")
        return np.log(np.maximum(x, self.EPS))

    def gradient(self, G, inputs, output): return [G / np.maximum(inputs[0], self.EPS)]


class Softmax(Operation):
    """Softmax along the LAST axis: rows sum to 1. The row maximum is subtracted first (same
    result, and exp never overflows). Gradient, row by row: s * (G - sum_k G_k s_k)."""

    def compute(self, z):
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    def gradient(self, G, inputs, output):
        return [output * (G - np.sum(G * output, axis=-1, keepdims=True))]


class ReduceSum(Operation):
    """Sum over `axis` (None: all axes, a scalar; an int or a tuple of ints).
    Gradient: G copied back along the summed axes."""

    def __init__(self, x, axis=None):
        self.axis = axis
        super().__init__(x)

    def compute(self, x): return np.sum(x, axis=self.axis)

    def gradient(self, G, inputs, output):
        G = G if self.axis is None else np.expand_dims(G, self.axis)
        return [np.broadcast_to(G, inputs[0].shape).copy()]


class Mean(ReduceSum):
    """Mean over `axis`: the sum's gradient divided by n, the number of entries averaged."""
    def compute(self, x): return np.mean(x, axis=self.axis)

    def gradient(self, G, inputs, output):
        n = inputs[0].size // max(output.size, 1)
        return [dG / n for dG in super().gradient(G, inputs, output)]


# The lowercase names are what formulas use: graph.sigmoid(Z), graph.reduce_sum(x, axis=1).
negative, add, subtract, multiply, matmul, transpose = Negative, Add, Subtract, Multiply, MatMul, Transpose
sigmoid, log, softmax, reduce_sum, mean = Sigmoid, Log, Softmax, ReduceSum, Mean


# --- 3. Evaluation in topological order -----------------------------------------------------


def topological_order(targets):
    """Every node the targets depend on, each after all of its inputs (depth-first post-order).

    Iterative, so a chain of any depth works (no recursion limit). A cycle (a node that is,
    through its inputs, its own input) is refused with a ValueError naming its nodes.
    """
    targets = [targets] if isinstance(targets, Node) else list(targets)
    order, done, on_path = [], set(), set()
    for target in targets:
        stack = [(target, iter(target.inputs))]  # each node with the inputs still to visit
        on_path.add(target)
        while stack:
            node, pending = stack[-1]
            x = next((x for x in pending if x not in done), None)
            if x is None:  # every input done: the node comes next
                stack.pop()
                on_path.discard(node)
                if node not in done:
                    done.add(node)
                    order.append(node)
            elif x in on_path:
                path = [n.name for n, _ in stack[[n for n, _ in stack].index(x):]] + [x.name]
                raise ValueError(f"the graph has a cycle: {' needs '.join(path)}; expected a graph in which "
                                 "no node depends on itself")
            else:
                on_path.add(x)
                stack.append((x, iter(x.inputs)))
    return order


def forward(targets, feed_dict=None):
    """Evaluate `targets` (a node or a list) and everything they need: a dict {node: value}.

    `feed_dict` maps placeholders to arrays; a needed placeholder that is not fed, or fed the
    wrong shape or non-finite data, raises a ValueError that names it.
    """
    feed_dict = dict(feed_dict or {})
    for key in feed_dict:
        if not isinstance(key, Placeholder):
            raise TypeError(f"feed_dict keys must be placeholders, got {key!r}")
    fed = {ph: ph.check_value(v) for ph, v in feed_dict.items()}
    values = {}
    for node in topological_order(targets):
        if isinstance(node, Placeholder):
            if node not in fed:
                shape = "" if node.shape is None else f" of shape {node.shape}"
                raise ValueError(f"placeholder {node.name!r} was not fed; "
                                 f"expected feed_dict={{{node.name}: array{shape}}}")
            values[node] = fed[node]
        elif isinstance(node, (Variable, Constant)):
            values[node] = node.value
        else:
            inputs = [values[x] for x in node.inputs]
            try:
                values[node] = np.asarray(node.compute(*inputs))
            except ValueError as err:
                shapes = ", ".join(str(v.shape) for v in inputs)
                raise ValueError(f"{node.name} (inputs of shapes {shapes}): {err}") from err
    return values


def run(fetches, feed_dict=None):
    """The value of a node, or a list of values for a list of nodes."""
    values = forward(fetches, feed_dict)
    return values[fetches] if isinstance(fetches, Node) else [values[f] for f in fetches]


# --- 4. Backpropagation in reverse topological order ------------------------------------------


def backward(loss, values):
    """dLoss/dnode for every node the loss depends on, from the forward `values`: a dict.

    Nodes are visited in REVERSE topological order, so a node is reached only after every
    consumer on a path to the loss: its gradient is complete. Each operation passes its
    gradient to its inputs, where the contributions of all consumers add up (x * x passes
    two). Consumers that do not lead to the loss are never visited: they contribute nothing.
    `values` must come from a forward pass with the same feed (see `gradients`). The loss
    starts with a gradient of ones: for a non-scalar node this is the gradient of its sum.
    """
    grads = {loss: np.ones_like(values[loss])}
    for node in reversed(topological_order(loss)):
        if not isinstance(node, Operation):
            continue
        input_grads = node.gradient(grads[node], [values[x] for x in node.inputs], values[node])
        for x, g in zip(node.inputs, input_grads):
            if np.shape(g) != np.shape(values[x]):
                raise ValueError(f"{type(node).__name__}.gradient returned shape {np.shape(g)} for "
                                 f"input {x.name!r} of shape {np.shape(values[x])}; expected the same")
            grads[x] = grads[x] + g if x in grads else g  # a new array: never added into in place
    return grads


def gradients(loss, wrt, feed_dict=None):
    """Gradients of `loss` with respect to each node in `wrt` (a list), same shapes.
    Does its own forward pass with `feed_dict`; a node the loss does not depend on gets zeros."""
    values = forward([loss, *wrt], feed_dict)
    grads = backward(loss, values)
    return [grads[n] if n in grads else np.zeros_like(values[n]) for n in wrt]


def minimize(loss, learning_rate, feed_dict=None):
    """One gradient-descent step on every variable of the loss's graph, W <- W - learning_rate * dLoss/dW.
    Returns the loss before the step (a float). `loss` must be a scalar node."""
    lr = check_learning_rate(learning_rate)
    values = forward([loss], feed_dict)
    value = values[loss]
    if value.size != 1:
        raise ValueError(f"minimize needs a scalar loss, got shape {value.shape}; "
                         "expected a mean or reduce_sum over everything")
    if not np.isfinite(value):
        raise FloatingPointError(f"the loss is {float(value)}; expected a finite number (try a smaller learning rate)")
    grads = backward(loss, values)
    for v in loss.graph.variables:
        if v in grads:
            v.value = v.value - lr * grads[v]
    return float(value)
