import numpy as np
import pytest

from helpers.gradcheck import numerical_gradient, relative_error


def test_numerical_gradient_of_a_known_function_and_arrays_restored():
    x = np.array([1.0, -2.0, 3.0])
    A = np.array([[1.0, 2.0], [3.0, 4.0]])
    f = lambda: float(np.sum(x**3) + np.sum(A * A) * x[0])
    x0, A0 = x.copy(), A.copy()
    gx, gA = numerical_gradient(f, [x, A])
    np.testing.assert_allclose(gx, 3 * x0**2 + np.array([np.sum(A0 * A0), 0, 0]), rtol=1e-8)
    np.testing.assert_allclose(gA, 2 * A0 * x0[0], rtol=1e-8)
    assert np.array_equal(x, x0) and np.array_equal(A, A0)


def test_a_wrong_gradient_is_caught():
    x = np.array([0.3, -1.2, 2.0])
    numeric = numerical_gradient(lambda: float(np.sum(np.sin(x))), [x])[0]
    assert relative_error(np.cos(x), numeric) < 1e-9
    assert relative_error(-np.cos(x), numeric) == pytest.approx(1.0)  # a sign error
    assert relative_error(np.sin(x), numeric) > 1e-2


def test_relative_error_of_lists_is_the_worst_entry_and_shapes_must_match():
    assert relative_error([np.ones(2), np.ones(3)], [np.ones(2), np.array([1.0, 1.0, 3.0])]) == pytest.approx(0.5)
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    with pytest.raises(ValueError, match="shapes"):
        relative_error(np.ones(2), np.ones(3))


def test_float32_is_refused_with_a_reason():
    with pytest.raises(TypeError, match="need float64"):
        numerical_gradient(lambda: 0.0, [np.ones(2, dtype=np.float32)])


def test_non_contiguous_arrays_are_refused():
    with pytest.raises(ValueError, match="contiguous"):
        numerical_gradient(lambda: 0.0, [np.ones((3, 4)).T])
