"""The exercise checks' common machinery: every notebook's checks answer in these words."""
import numpy as np

from helpers.exercises import CORRECT, MISTAKE, NOT_ATTEMPTED, WRONG, attempt, compare


def stub(x):
    raise NotImplementedError


def test_an_untouched_stub_is_not_attempted_and_a_crash_is_reported_not_raised():
    assert attempt("Exercise 1", stub, 1.0)[1].kind == NOT_ATTEMPTED
    assert attempt("Exercise 1", ...)[1].kind == NOT_ATTEMPTED
    assert attempt("Exercise 1", lambda x: None, 1.0)[1].kind == NOT_ATTEMPTED
    value, result = attempt("Exercise 1", lambda x: 1 / 0, 1.0)
    assert value is None and result.kind == WRONG and "ZeroDivisionError" in result.message
    assert attempt("Exercise 1", lambda x: 2 * x, 1.5) == (3.0, None)


def test_compare_names_a_known_mistake_and_confirms_the_checked_number():
    expected = np.array([[0.5, -1.0], [2.0, 0.25]])
    mistakes = {"a flipped sign": -expected, "a sum where a mean belongs (a missing 1/N)": 4 * expected}
    ok = compare(expected.copy(), expected, "Ex", "dW", mistakes)
    assert ok.kind == CORRECT and ok.passed and "0.5" in ok.message
    flipped = compare(-expected, expected, "Ex", "dW", mistakes)
    assert flipped.kind == MISTAKE and flipped.mistake == "a flipped sign" and not flipped.passed
    assert compare(4 * expected, expected, "Ex", "dW", mistakes).mistake.startswith("a sum")


def test_compare_says_what_was_expected_and_found():
    expected = np.array([1.0, 2.0, 3.0])
    other = compare(np.array([1.0, 2.0, 4.0]), expected, "Ex", "g")
    assert other.kind == WRONG and "index (2,)" in other.message and "expected 3" in other.message
    square = compare(np.ones((3, 3)), expected, "Ex", "g")
    assert "(n,) array was broadcast" in square.message and "(3, 3)" in square.message
    transposed = compare(np.ones((3, 2)), np.ones((2, 3)), "Ex", "dW")
    assert "transpose" in transposed.message
    assert compare(np.array([np.nan, 2.0, 3.0]), expected, "Ex", "g").kind == WRONG
    assert compare("three", expected, "Ex", "g").kind == WRONG


def test_a_mistake_that_equals_the_answer_is_not_reported():
    zero = np.zeros(3)
    assert compare(zero, zero, "Ex", "g", {"a flipped sign": -zero}).kind == CORRECT
