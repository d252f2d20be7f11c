"""Checks for the notebooks' exercises.

An exercise is a stub the learner completes: a function whose body raises NotImplementedError,
or a value left as `...`. A check runs the learner's answer on fixed inputs and says one of:

    not attempted yet   the stub is untouched (the notebook goes on; nothing later needs the answer)
    a named mistake     the answer equals what a known mistake gives (a flipped sign, a missing 1/N, ...),
                        with a hint that names it
    not yet             wrong in another way: what was expected and what was found (shape, first
                        differing entry)
    correct             with the number that was checked

    result = compare(found, expected, what="dE/dW", mistakes={"a flipped sign": -expected})
    result.passed, result.kind, result.message       # in a notebook the result shows its message

Every check of every notebook is built from `attempt` and `compare`, so all exercises answer in
the same words. The checks for each notebook live beside this file (primer.py, single_neuron.py,
multi_neuron.py, generalized.py); the solutions live in notebooks/solutions/, out of sight.
"""
import numpy as np

NOT_ATTEMPTED = "not attempted"
MISTAKE = "mistake"
WRONG = "wrong"
CORRECT = "correct"


class Result:
    """The outcome of a check: kind (one of the four above), passed (bool) and a message."""

    def __init__(self, kind, message, mistake=None):
        self.kind, self.message, self.mistake = kind, message, mistake
        self.passed = kind == CORRECT
        self.attempted = kind != NOT_ATTEMPTED

    def __repr__(self):
        return self.message

    def __str__(self):
        return self.message


def not_attempted(exercise):
    return Result(NOT_ATTEMPTED, f"{exercise}: not attempted yet. Replace the stub (the line that says "
                                 f"`raise NotImplementedError` or `...`) with your answer and run the cell again.")


class _Raised(Exception):
    """The learner's code raised something other than NotImplementedError."""

    def __init__(self, error):
        super().__init__(error)
        self.error = error


def attempt(exercise, answer, *args, **kwargs):
    """Call answer(*args, **kwargs) (or take answer itself if it is not callable).

    Returns (value, None), or (None, Result) when the stub is untouched or the code raised:

        value, early = attempt("Exercise 1", answer, X)
        if early is not None:
            return early
    """
    if answer is Ellipsis or answer is None:
        return None, not_attempted(exercise)
    if not callable(answer):
        return answer, None
    try:
        value = answer(*args, **kwargs)
    except NotImplementedError:
        return None, not_attempted(exercise)
    except Exception as error:  # a learner's bug: say what it was, do not stop the notebook
        return None, Result(WRONG, f"{exercise}: not yet. Your code raised {type(error).__name__}: {error}")
    if value is Ellipsis or value is None:
        return None, not_attempted(exercise)
    return value, None


def _number(x):
    return f"{float(x):.6g}"


def _first_difference(found, expected, rtol, atol):
    close = np.isclose(found, expected, rtol=rtol, atol=atol)
    index = tuple(int(i) for i in np.argwhere(~close)[0]) if found.ndim else ()
    where = f" at index {index}" if index else ""
    return f"expected {_number(expected[index])}{where}, found {_number(found[index])}"


def compare(found, expected, exercise, what="your answer", mistakes=None, rtol=1e-6, atol=1e-9, hint=""):
    """Compare an answer with the expected array or number.

    mistakes: {description: what that mistake would give}; each is tried in order, and an answer
    that matches one is told which mistake it looks like. `hint` is added to a plain "not yet".
    """
    expected = np.asarray(expected, dtype=float)
    try:
        found_array = np.asarray(found, dtype=float)
    except (TypeError, ValueError):
        return Result(WRONG, f"{exercise}: not yet. {what} should be a number or an array of shape "
                             f"{expected.shape}, found {type(found).__name__}")
    for name, value in (mistakes or {}).items():
        value = np.asarray(value, dtype=float)
        if value.shape == found_array.shape and np.allclose(found_array, value, rtol=rtol, atol=atol) \
                and not (value.shape == expected.shape and np.allclose(value, expected, rtol=rtol, atol=atol)):
            return Result(MISTAKE, f"{exercise}: not yet. {what} looks like {name}.", mistake=name)
    if found_array.shape != expected.shape:
        extra = ""
        if found_array.ndim == 2 and expected.ndim in (1, 2) and found_array.shape[0] == found_array.shape[1] \
                and expected.size == found_array.shape[0]:
            extra = (" A square result where a vector was expected usually means a (n,) array was broadcast "
                     "against a (n, 1) one.")
        elif found_array.shape == expected.shape[::-1]:
            extra = " It is the transpose of the expected shape: is a product transposed?"
        return Result(WRONG, f"{exercise}: not yet. {what} has shape {found_array.shape}, expected "
                             f"{expected.shape}.{extra}")
    if not np.all(np.isfinite(found_array)):
        return Result(WRONG, f"{exercise}: not yet. {what} contains inf or NaN.")
    if np.allclose(found_array, expected, rtol=rtol, atol=atol):
        checked = _number(expected.flat[0]) if expected.size else "[]"
        first = "" if expected.ndim == 0 else " (first entry)"
        return Result(CORRECT, f"{exercise}: correct. {what} = {checked}{first}, as expected.")
    message = f"{exercise}: not yet. {what}: {_first_difference(found_array, expected, rtol, atol)}."
    return Result(WRONG, f"{message} {hint}".strip())
