"""A computational-graph engine with reverse-mode backpropagation.

Read it top to bottom, in one sitting:

1. nodes: placeholders (data fed at run time), variables (trainable), constants,
   and operations; a `Graph` that owns them;
2. the operations, each with its forward rule;
3. evaluation (`run`, `forward`) in topological order;
4. the gradient registry (`@register_gradient`) and one gradient per operation;
5. backpropagation (`backward`, `gradients`) in REVERSE topological order;
6. gradient descent (`minimize`);
7. clearly marked: the WRONG way, backwards breadth-first search as in the source,
   kept so the notebook can show why it fails.

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

Everything is float64 unless the graph is created with another dtype. Nothing is
cached on the nodes: every `run`/`gradients` call does its own forward pass, so a
gradient can never be computed from values left over from an earlier run.
"""
from collections import deque

import numpy as np

from helpers.checks import as_finite_array, check_float_dtype, check_learning_rate

# ---------------------------------------------------------------------------
# 1. Nodes and the graph
# ---------------------------------------------------------------------------


class Graph:
    """A container for nodes. Create placeholders, variables and constants from it;
    operations join the graph of their inputs.

    Each Graph is independent: there is no global default graph, so two graphs (or two
    tests) never see each other's nodes.
    """

    def __init__(self, dtype="float64"):
        self.dtype = check_float_dtype(dtype)
        self.nodes = []  # every node, in creation order
        self._counts = {}

    def _unique_name(self, kind):
        n = self._counts.get(kind, 0)
        self._counts[kind] = n + 1
        return f"{kind}_{n}"

    def placeholder(self, name=None, shape=None):
        """Data fed at run time. `shape` is a tuple whose entries are sizes or None
        (any size), e.g. (None, 2) for a batch of 2-feature rows; None accepts any shape."""
        return Placeholder(self, name, shape)

    def variable(self, name, value):
        """A trainable array (its value is updated by `minimize`)."""
        return Variable(self, name, value)

    def constant(self, value, name=None):
        """A fixed array (never trained). Numbers in expressions like 0.01 * W become constants."""
        return Constant(self, name, value)

    @property
    def variables(self):
        """All trainable variables of this graph, in creation order."""
        return [n for n in self.nodes if isinstance(n, Variable)]


class Node:
    """A node knows its inputs and its consumers (the nodes that use its output).
    It does not store its value: values live in the dict that `forward` returns."""

    __array_ufunc__ = None  # so that `numpy_array + node` builds a node instead of looping

    def __init__(self, graph, name=None, inputs=()):
        self.graph = graph
        self.inputs = list(inputs)
        self.consumers = []
        for node in self.inputs:
            node.consumers.append(self)  # a node used twice by one op is listed twice
        self.name = name if name is not None else graph._unique_name(type(self).__name__.lower())
        graph.nodes.append(self)

    def __repr__(self):
        return f"<{type(self).__name__} {self.name!r}>"

    # Python operators build operations, so formulas read like NumPy.
    def __neg__(self):
        return negative(self)

    def __add__(self, other):
        return add(self, other)

    def __radd__(self, other):
        return add(other, self)

    def __sub__(self, other):
        return add(self, negative(other))

    def __rsub__(self, other):
        return add(other, negative(self))

    def __mul__(self, other):
        return multiply(self, other)

    def __rmul__(self, other):
        return multiply(other, self)

    def __matmul__(self, other):
        return matmul(self, other)

    def __rmatmul__(self, other):
        return matmul(other, self)

    @property
    def T(self):
        """The transpose of a 2-D node: `X @ W.T + b`."""
        return transpose(self)


def _format_shape(shape):
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


class Placeholder(Node):
    """Data fed at run time through `feed_dict`. `shape`: tuple of sizes or None entries."""

    def __init__(self, graph, name=None, shape=None):
        if shape is not None:
            shape = tuple(shape)
            for d in shape:
                if d is not None and (isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 0):
                    raise ValueError(f"a placeholder shape holds sizes >= 0 or None (any size), got {shape!r}")
        self.shape = shape
        super().__init__(graph, name)

    def check_value(self, value):
        """Return `value` as a finite array of the graph's dtype with the declared shape, or raise."""
        expected = "" if self.shape is None else f" of shape {_format_shape(self.shape)}"
        arr = as_finite_array(f"placeholder {self.name!r}", value, self.graph.dtype)
        if self.shape is not None:
            ok = arr.ndim == len(self.shape) and all(d is None or d == n for d, n in zip(self.shape, arr.shape))
            if not ok:
                raise ValueError(
                    f"placeholder {self.name!r} expects shape {_format_shape(self.shape)} "
                    f"(None = any size), got {_format_shape(arr.shape)}"
                )
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


# ---------------------------------------------------------------------------
# 2. Operations: each computes its output from its inputs' values
# ---------------------------------------------------------------------------


class Operation(Node):
    """A node computed from its inputs. Subclasses define `compute(*input_values)`.
    Inputs that are not nodes (numbers, arrays) become constants of the same graph."""

    def __init__(self, *inputs):
        nodes = [x for x in inputs if isinstance(x, Node)]
        if not nodes:
            raise TypeError(f"{type(self).__name__.lower()} needs at least one graph node as input, got only numbers/arrays")
        graph = nodes[0].graph
        if any(x.graph is not graph for x in nodes):
            raise ValueError(f"{type(self).__name__.lower()}: all inputs must belong to the same Graph")
        inputs = [x if isinstance(x, Node) else Constant(graph, None, x) for x in inputs]
        super().__init__(graph, None, inputs)

    def compute(self, *values):
        raise NotImplementedError


class Negative(Operation):
    """-x, any shape."""

    def compute(self, x):
        return -x


class Add(Operation):
    """a + b with NumPy broadcasting, e.g. (batch, n) + (n,) -> (batch, n)."""

    def compute(self, a, b):
        return a + b


class Multiply(Operation):
    """a * b elementwise with NumPy broadcasting, e.g. (4, 3) * (4, 1) -> (4, 3)."""

    def compute(self, a, b):
        return a * b


class MatMul(Operation):
    """A @ B for 2-D arrays: (n, k) @ (k, m) -> (n, m)."""

    def compute(self, A, B):
        if A.ndim != 2 or B.ndim != 2 or A.shape[1] != B.shape[0]:
            raise ValueError(
                f"cannot matmul shapes {_format_shape(A.shape)} and {_format_shape(B.shape)}; "
                "expected 2-D arrays (n, k) and (k, m)"
            )
        return A @ B


class Transpose(Operation):
    """x.T for a 2-D array: (n, m) -> (m, n)."""

    def compute(self, x):
        if x.ndim != 2:
            raise ValueError(f"transpose expects a 2-D array, got shape {_format_shape(x.shape)}")
        return x.T


class Sigmoid(Operation):
    """1 / (1 + exp(-x)) elementwise, any shape. Computed as exp(-log(1 + exp(-x)))
    with np.logaddexp, which never overflows (x = -1000 gives 0, not a warning)."""

    def compute(self, x):
        return np.exp(-np.logaddexp(0.0, -x))


class Log(Operation):
    """Natural log, elementwise, any shape, GUARDED: inputs below EPS are raised to EPS.

    A probability that underflowed to 0 gives log(1e-12) = -27.6 instead of -inf (and a
    finite gradient G / 1e-12 instead of inf). Negative inputs are a bug (log of a
    negative number), so they raise a ValueError instead of being clipped silently.
    """

    EPS = 1e-12

    def compute(self, x):
        if np.any(x < 0):
            raise ValueError(f"log expects inputs >= 0 (for example probabilities), got a minimum of {x.min():.3g}")
        return np.log(np.maximum(x, self.EPS))


class Softmax(Operation):
    """Softmax along the LAST axis: (batch, classes) -> (batch, classes), rows sum to 1.
    The row maximum is subtracted first: the result is the same, and exp never overflows."""

    def compute(self, z):
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)


class ReduceSum(Operation):
    """Sum over `axis` (None: all axes -> a scalar; an int or a tuple of ints)."""

    def __init__(self, x, axis=None):
        self.axis = axis
        super().__init__(x)

    def compute(self, x):
        return np.sum(x, axis=self.axis)


class Mean(Operation):
    """Mean over `axis` (None: all axes -> a scalar; an int or a tuple of ints)."""

    def __init__(self, x, axis=None):
        self.axis = axis
        super().__init__(x)

    def compute(self, x):
        return np.mean(x, axis=self.axis)


# The lowercase names are what formulas use.
def negative(x):
    return Negative(x)


def add(a, b):
    return Add(a, b)


def multiply(a, b):
    return Multiply(a, b)


def matmul(A, B):
    return MatMul(A, B)


def transpose(x):
    return Transpose(x)


def sigmoid(x):
    return Sigmoid(x)


def log(x):
    return Log(x)


def softmax(z):
    return Softmax(z)


def reduce_sum(x, axis=None):
    return ReduceSum(x, axis)


def mean(x, axis=None):
    return Mean(x, axis)


# ---------------------------------------------------------------------------
# 3. Evaluation in topological order
# ---------------------------------------------------------------------------


def topological_order(targets):
    """Every node the targets depend on, each after all of its inputs (depth-first post-order)."""
    if isinstance(targets, Node):
        targets = [targets]
    order, seen = [], set()

    def visit(node):
        if node in seen:
            return
        seen.add(node)
        for x in node.inputs:
            visit(x)
        order.append(node)

    for t in targets:
        visit(t)
    return order


def forward(targets, feed_dict=None):
    """Evaluate `targets` (a node or a list) and everything they need.

    Returns a dict {node: value} for every node visited. `feed_dict` maps placeholders
    to arrays; a needed placeholder that is not fed, or fed the wrong shape or non-finite
    data, raises a ValueError that names it.
    """
    if isinstance(targets, Node):
        targets = [targets]
    feed_dict = dict(feed_dict or {})
    for key in feed_dict:
        if not isinstance(key, Placeholder):
            raise TypeError(f"feed_dict keys must be placeholders, got {key!r}")
    fed = {ph: ph.check_value(v) for ph, v in feed_dict.items()}

    values = {}
    for node in topological_order(targets):
        if isinstance(node, Placeholder):
            if node not in fed:
                shape = "" if node.shape is None else f" of shape {_format_shape(node.shape)}"
                raise ValueError(
                    f"placeholder {node.name!r} was not fed; expected feed_dict={{{node.name}: array{shape}}}"
                )
            values[node] = fed[node]
        elif isinstance(node, (Variable, Constant)):
            values[node] = node.value
        else:
            inputs = [values[x] for x in node.inputs]
            try:
                values[node] = np.asarray(node.compute(*inputs))
            except ValueError as err:
                shapes = ", ".join(_format_shape(v.shape) for v in inputs)
                raise ValueError(f"{node.name} (inputs of shapes {shapes}): {err}") from err
    return values


def run(fetches, feed_dict=None):
    """The value of a node, or a list of values for a list of nodes."""
    values = forward(fetches, feed_dict)
    if isinstance(fetches, Node):
        return values[fetches]
    return [values[f] for f in fetches]


# ---------------------------------------------------------------------------
# 4. The gradient registry: one function per operation type
# ---------------------------------------------------------------------------

GRADIENTS = {}  # operation class -> function(op, G, inputs, output) -> [gradient per input]


def register_gradient(op_type):
    """Decorator: register the gradient function of an operation class.

    The function receives the op, G = dLoss/d(output) (same shape as the output), the
    list of input values and the output value; it returns one gradient per input,
    each of the same shape as that input.
    """
    if not (isinstance(op_type, type) and issubclass(op_type, Operation)):
        raise TypeError(f"register_gradient expects an Operation subclass, got {op_type!r}")

    def decorator(fn):
        GRADIENTS[op_type] = fn
        return fn

    return decorator


def gradient_function(op):
    """The registered gradient function for `op`, or a LookupError saying how to add one."""
    try:
        return GRADIENTS[type(op)]
    except KeyError:
        name = type(op).__name__
        raise LookupError(
            f"no gradient registered for operation type {name!r}; expected a function "
            f"decorated with @register_gradient({name})"
        ) from None


def sum_to_shape(G, shape):
    """Sum the gradient G back to an operand's `shape`, undoing broadcasting.

    Broadcasting lines shapes up on the right, prepends axes and stretches axes of size 1:
    each entry of the operand was copied to several outputs, so its gradient is the SUM
    of G over those copies. So: sum the prepended axes away, then sum (keeping the axis)
    every axis where `shape` has 1 and G does not.

        G (4, 3) -> shape (3,):   G.sum(axis=0)
        G (4, 3) -> shape (4, 1): G.sum(axis=1, keepdims=True)
        G (4, 3) -> shape ():     G.sum()
    """
    G = np.asarray(G)
    shape = tuple(shape)
    extra = G.ndim - len(shape)
    if extra > 0:
        G = G.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and G.shape[i] != 1)
    if stretched:
        G = G.sum(axis=stretched, keepdims=True)
    return G


def _spread_back(G, shape, axis):
    """Copy G back over the axes that a sum/mean over `axis` removed, to `shape`."""
    if axis is not None:
        G = np.expand_dims(G, axis)
    return np.broadcast_to(G, shape).copy()


@register_gradient(Negative)
def _negative_gradient(op, G, inputs, output):
    return [-G]


@register_gradient(Add)
def _add_gradient(op, G, inputs, output):
    a, b = inputs
    return [sum_to_shape(G, a.shape), sum_to_shape(G, b.shape)]


@register_gradient(Multiply)
def _multiply_gradient(op, G, inputs, output):
    a, b = inputs
    return [sum_to_shape(G * b, a.shape), sum_to_shape(G * a, b.shape)]


@register_gradient(MatMul)
def _matmul_gradient(op, G, inputs, output):
    A, B = inputs
    return [G @ B.T, A.T @ G]


@register_gradient(Transpose)
def _transpose_gradient(op, G, inputs, output):
    return [G.T]


@register_gradient(Sigmoid)
def _sigmoid_gradient(op, G, inputs, output):
    s = output
    return [G * s * (1 - s)]  # sigma(a) * (1 - sigma(a)), NOT the source's sigma(a) * sigma(1 - a)


@register_gradient(Log)
def _log_gradient(op, G, inputs, output):
    (x,) = inputs
    return [G / np.maximum(x, Log.EPS)]


@register_gradient(Softmax)
def _softmax_gradient(op, G, inputs, output):
    s = output
    return [s * (G - np.sum(G * s, axis=-1, keepdims=True))]


@register_gradient(ReduceSum)
def _reduce_sum_gradient(op, G, inputs, output):
    (x,) = inputs
    return [_spread_back(G, x.shape, op.axis)]


@register_gradient(Mean)
def _mean_gradient(op, G, inputs, output):
    (x,) = inputs
    count = x.size // max(output.size, 1)
    return [_spread_back(G, x.shape, op.axis) / count]


# ---------------------------------------------------------------------------
# 5. Backpropagation in reverse topological order
# ---------------------------------------------------------------------------


def backward(loss, values):
    """dLoss/dnode for every node the loss depends on, from the forward `values`.

    Nodes are visited in REVERSE topological order, so a node is reached only after every
    one of its consumers on the way to the loss: its gradient is complete. Each node
    pushes its gradient to its inputs, where the contributions of all consumers add up.
    Consumers that do not lead to the loss are never visited, so they contribute nothing.
    `values` must come from a forward pass with the same feed (see `gradients`).
    The loss is seeded with ones: for a non-scalar node this is the gradient of its sum.
    """
    grads = {loss: np.ones_like(values[loss])}
    for node in reversed(topological_order(loss)):
        if not isinstance(node, Operation):
            continue
        G = grads[node]
        input_grads = gradient_function(node)(node, G, [values[x] for x in node.inputs], values[node])
        for x, g in zip(node.inputs, input_grads):
            grads[x] = grads[x] + g if x in grads else g  # accumulate over consumers
    return grads


def gradients(loss, wrt, feed_dict=None):
    """Gradients of `loss` with respect to each node in `wrt` (a list), same shapes.

    Does its own forward pass with `feed_dict`. A node the loss does not depend on gets
    a gradient of zeros.
    """
    values = forward([loss, *wrt], feed_dict)
    grads = backward(loss, values)
    return [grads[n] if n in grads else np.zeros_like(values[n]) for n in wrt]


# ---------------------------------------------------------------------------
# 6. Gradient descent
# ---------------------------------------------------------------------------


def minimize(loss, learning_rate, feed_dict=None):
    """One gradient-descent step on every variable of the loss's graph:
    W <- W - learning_rate * dLoss/dW. Returns the loss before the step (a float).

    `loss` must be a scalar node; `learning_rate` a positive finite number.
    """
    lr = check_learning_rate(learning_rate)
    variables = loss.graph.variables
    values = forward([loss], feed_dict)
    value = values[loss]
    if value.size != 1:
        raise ValueError(f"minimize needs a scalar loss, got shape {_format_shape(value.shape)}; "
                         "expected a mean or reduce_sum over everything")
    if not np.isfinite(value):
        raise FloatingPointError(f"the loss is {float(value)}; expected a finite number (try a smaller learning rate)")
    grads = backward(loss, values)
    for v in variables:
        if v in grads:
            v.value = v.value - lr * grads[v]
    return float(value)


# ---------------------------------------------------------------------------
# 7. THE WRONG WAY, kept for the notebook: backwards breadth-first search (the source)
# ---------------------------------------------------------------------------


def backward_bfs_source_way(loss, values, skip_missing=False):
    """DO NOT USE: backpropagation by backwards breadth-first search, as the source does it.

    Starting at the loss, each node is visited in BFS order and sums, over its consumers,
    the consumer's gradient pushed back to it. But BFS order is by distance from the loss,
    not by dependency: a node reached early by a short path (W in loss + 0.01*sum(W*W))
    asks for the gradient of a consumer on a long path that has not been computed yet,
    and the lookup raises KeyError. A consumer outside the loss graph has no gradient at
    all: KeyError too.

    `skip_missing=True` is the tempting "fix": skip consumers without a gradient. It no
    longer crashes; it returns a silently WRONG gradient for W. Use `backward`.
    """
    grad_table = {loss: np.ones_like(values[loss])}
    visited = {loss}
    queue = deque([loss])
    while queue:
        node = queue.popleft()
        if node is not loss:
            grad_table[node] = np.zeros_like(values[node])
            for consumer in node.consumers:
                if skip_missing and consumer not in grad_table:
                    continue
                G = grad_table[consumer]  # KeyError: consumer not done yet, or not on the loss path
                input_grads = gradient_function(consumer)(
                    consumer, G, [values[x] for x in consumer.inputs], values[consumer]
                )
                grad_table[node] = grad_table[node] + input_grads[consumer.inputs.index(node)]
        for x in node.inputs:
            if x not in visited:
                visited.add(x)
                queue.append(x)
    return grad_table
