"""Datasets, mini-batches and augmentation."""
import numpy as np
import pytest

from nnlib import augment, data


# --- the toy datasets ----------------------------------------------------------------------

def test_xor_without_a_size_is_the_four_corners():
    X, y = data.xor()
    np.testing.assert_array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(y, [0, 1, 1, 0])
    assert X.dtype == np.float64 and y.dtype == np.int64


def test_noisy_xor_labels_follow_the_nearest_corner(rng):
    X, y = data.xor(500, noise=0.1, rng=rng)
    assert X.shape == (500, 2) and y.shape == (500,)
    assert X.dtype == np.float64 and y.dtype == np.int64
    nearest = (X > 0.5).astype(int)
    agree = np.mean((nearest[:, 0] ^ nearest[:, 1]) == y)
    assert agree > 0.99  # noise 0.1 crosses the midline (5 sigma) almost never


def test_spirals_shapes_dtypes_and_balanced_classes(rng):
    X, y = data.spirals(301, n_classes=4, rng=rng)
    assert X.shape == (301, 2) and y.shape == (301,)
    assert X.dtype == np.float64 and y.dtype == np.int64
    counts = np.bincount(y)
    assert len(counts) == 4 and counts.max() - counts.min() <= 1
    assert np.all(np.linalg.norm(X, axis=1) < 1.0 + 1e-12)  # radius = position in [0, 1)


def test_moons_shapes_dtypes_and_labels(rng):
    X, y = data.moons(200, noise=0.0, rng=rng)
    assert X.shape == (200, 2) and X.dtype == np.float64 and y.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(y), [100, 100])
    # Without noise each point lies on its half circle of radius 1.
    upper, lower = X[y == 0], X[y == 1] - [1.0, 0.5]
    np.testing.assert_allclose(np.linalg.norm(upper, axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(lower, axis=1), 1.0, rtol=1e-12)
    assert np.all(upper[:, 1] >= 0) and np.all(lower[:, 1] <= 1e-12)


def test_sine_without_noise_is_sin_of_sorted_inputs(rng):
    X, y = data.sine(50, rng=rng)
    assert X.shape == y.shape == (50, 1) and X.dtype == y.dtype == np.float64
    assert np.all(np.diff(X[:, 0]) >= 0)
    assert X.min() >= -np.pi and X.max() <= np.pi
    np.testing.assert_array_equal(y, np.sin(X))


@pytest.mark.parametrize("make", [
    lambda rng: data.xor(20, noise=0.2, rng=rng), lambda rng: data.spirals(30, rng=rng),
    lambda rng: data.moons(30, rng=rng), lambda rng: data.sine(30, noise=0.1, rng=rng),
])
def test_dataset_is_reproducible_from_its_seed(make):
    first, again, other = (make(np.random.default_rng(s)) for s in (5, 5, 6))
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], other[0])


# --- digits --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def digits_split():
    return data.digits()


def test_digits_shapes_dtypes_and_pixel_range(digits_split):
    X_train, y_train, X_test, y_test = digits_split
    assert X_train.shape[1] == X_test.shape[1] == 64
    assert len(X_train) + len(X_test) == 1797
    assert len(y_train) == len(X_train) and len(y_test) == len(X_test)
    assert X_train.dtype == X_test.dtype == np.float64
    assert y_train.dtype == y_test.dtype == np.int64
    for X in (X_train, X_test):
        assert X.min() == 0.0 and X.max() == 1.0
    assert set(np.unique(y_train)) == set(np.unique(y_test)) == set(range(10))


def test_digits_split_is_stratified(digits_split):
    _, y_train, _, y_test = digits_split
    # Each digit's share of the test set is 25% of that digit, to within one image.
    per_class = np.bincount(y_train) + np.bincount(y_test)
    np.testing.assert_array_less(np.abs(np.bincount(y_test) - 0.25 * per_class), 1.0)


def test_digits_split_is_reproducible_and_depends_on_the_seed(digits_split):
    again = data.digits()
    for a, b in zip(digits_split, again):
        np.testing.assert_array_equal(a, b)
    other = data.digits(seed=1)
    assert not np.array_equal(digits_split[3], other[3])


def test_digits_test_fraction_sets_the_test_size():
    _, _, X_test, _ = data.digits(test_fraction=0.5)
    assert abs(len(X_test) - 1797 / 2) <= 10


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.2])
def test_digits_refuses_a_test_fraction_outside_zero_one(fraction):
    with pytest.raises(ValueError, match=rf"test_fraction must be in \(0, 1\), got {fraction}"):
        data.digits(test_fraction=fraction)


# --- batches -------------------------------------------------------------------------------

@pytest.mark.parametrize("n, batch_size", [(10, 3), (12, 4), (5, 8), (1, 1)])
def test_batches_cover_every_sample_exactly_once(n, batch_size, rng):
    X = np.arange(n, dtype=float)[:, None] * [1.0, -1.0]
    y = np.arange(n)
    seen = []
    sizes = []
    for xb, yb in data.batches(X, y, batch_size, rng=rng):
        np.testing.assert_array_equal(xb[:, 0], yb)  # rows and labels stay paired
        seen.extend(yb.tolist())
        sizes.append(len(yb))
    assert sorted(seen) == list(range(n))
    assert sizes == [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])


def test_batches_without_rng_keep_the_order():
    y = np.arange(7)
    order = np.concatenate([yb for _, yb in data.batches(y[:, None], y, 3)])
    np.testing.assert_array_equal(order, y)


def test_batches_shuffle_with_the_rng_reproducibly():
    y = np.arange(50)

    def order(seed):
        return np.concatenate([yb for _, yb in data.batches(y[:, None], y, 8,
                                                             rng=np.random.default_rng(seed))])

    assert not np.array_equal(order(0), y)
    np.testing.assert_array_equal(order(0), order(0))
    assert not np.array_equal(order(0), order(1))


def test_batches_refuse_mismatched_lengths():
    with pytest.raises(ValueError, match=r"same number of samples, got 4 and 3"):
        list(data.batches(np.zeros((4, 2)), np.zeros(3), 2))


def test_batches_refuse_a_zero_batch_size():
    with pytest.raises(ValueError, match=r"batch_size must be >= 1, got 0"):
        list(data.batches(np.zeros((4, 2)), np.zeros(4), 0))


# --- augmentation --------------------------------------------------------------------------

def shifted_by_hand(image, dy, dx):
    """``image`` moved down by ``dy`` and right by ``dx`` pixels, zeros shifted in."""
    height, width = image.shape
    out = np.zeros_like(image)
    for row in range(height):
        for col in range(width):
            source_row, source_col = row - dy, col - dx
            if 0 <= source_row < height and 0 <= source_col < width:
                out[row, col] = image[source_row, source_col]
    return out


def test_hand_shift_helper_on_a_worked_example():
    image = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    np.testing.assert_array_equal(shifted_by_hand(image, 1, 0), [[0, 0, 0], [1, 2, 3]])
    np.testing.assert_array_equal(shifted_by_hand(image, 0, -1), [[2, 3, 0], [5, 6, 0]])
    np.testing.assert_array_equal(shifted_by_hand(image, -1, 1), [[0, 4, 5], [0, 0, 0]])


def test_shift_images_moves_each_image_by_at_most_max_shift_pixels(rng):
    image = np.arange(1.0, 13.0).reshape(3, 4)  # distinct values: every shift looks different
    candidates = {(dy, dx): shifted_by_hand(image, dy, dx).ravel()
                  for dy in (-1, 0, 1) for dx in (-1, 0, 1)}
    X = np.tile(image.ravel(), (300, 1))
    out = augment.shift_images(X, max_shift=1, image_shape=(3, 4), rng=rng)
    assert out.shape == X.shape and out.dtype == X.dtype
    used = set()
    for row in out:
        matches = [shift for shift, expected in candidates.items() if np.array_equal(row, expected)]
        assert len(matches) == 1, f"{row.reshape(3, 4)} is not a shift of the image by <= 1 pixel"
        used.add(matches[0])
    assert used == set(candidates)  # all nine shifts, including none, do occur


def test_shift_images_with_max_shift_zero_changes_nothing(rng):
    X = rng.uniform(0, 1, (5, 64))
    np.testing.assert_array_equal(augment.shift_images(X, max_shift=0, rng=rng), X)


def test_shift_images_refuses_rows_that_are_not_images():
    with pytest.raises(ValueError, match=r"X must have shape \(N, 64\) for \(8, 8\) images, "
                                         r"got \(2, 63\)"):
        augment.shift_images(np.zeros((2, 63)))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_add_noise_keeps_shape_and_dtype_and_adds_the_requested_spread(dtype, rng):
    X = np.full((400, 50), 0.5, dtype=dtype)
    noisy = augment.add_noise(X, 0.1, rng=rng)
    assert noisy.shape == X.shape and noisy.dtype == dtype
    assert (noisy - X).std() == pytest.approx(0.1, rel=0.02)
    np.testing.assert_array_equal(X, 0.5)  # the input is untouched


def test_add_noise_with_zero_std_is_the_identity(rng):
    X = rng.standard_normal((3, 4))
    np.testing.assert_array_equal(augment.add_noise(X, 0.0, rng=rng), X)
