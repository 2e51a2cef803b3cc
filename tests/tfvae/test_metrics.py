"""Separation metrics on embeddings and images with known answers."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tfvae import metrics

RNG = np.random.default_rng(0)
LABELS = np.repeat([0, 1, 2], 50)
SEPARATED = np.eye(3)[LABELS] * 10 + RNG.normal(size=(150, 3)) * 0.1
MIXED = RNG.normal(size=(150, 3))


def test_silhouette_is_high_for_separated_and_near_zero_for_mixed_classes():
    assert metrics.silhouette(SEPARATED, LABELS) > 0.9
    assert abs(metrics.silhouette(MIXED, LABELS)) < 0.1
    with pytest.raises(ValueError, match="two distinct labels"):
        metrics.silhouette(MIXED, np.zeros(150))


def test_kmeans_agreement_recovers_separated_classes():
    assert metrics.kmeans_agreement(SEPARATED, LABELS) == {"ari": 1.0, "nmi": 1.0}
    mixed = metrics.kmeans_agreement(MIXED, LABELS)
    assert mixed["ari"] < 0.1 and mixed["nmi"] < 0.1


def test_mse_and_correlation():
    truth = RNG.uniform(size=(4, 5, 5, 1))
    assert metrics.mse(truth, truth) == 0.0
    np.testing.assert_allclose(metrics.mse(truth + 0.1, truth), 0.01)
    np.testing.assert_allclose(metrics.correlation(2 * truth + 1, truth), 1.0)
    np.testing.assert_allclose(metrics.correlation(-truth, truth), -1.0)
    with pytest.raises(ValueError, match="shapes differ"):
        metrics.mse(truth[:2], truth)


NAN = np.array([[0.5, np.nan], [0.1, 0.2]])
GOOD = np.array([[0.5, 0.3], [0.1, 0.2]])


@pytest.mark.parametrize("call, error, words", [
    (lambda: metrics.silhouette(SEPARATED, LABELS[:-1]), ValueError, "silhouette: labels must have shape (150,)"),
    (lambda: metrics.kmeans_agreement(SEPARATED, LABELS[:-1]), ValueError, "kmeans_agreement: labels must have shape"),
    (lambda: metrics.kmeans_agreement(SEPARATED[:, 0], LABELS), ValueError, "kmeans_agreement: embedding must have 2"),
    (lambda: metrics.silhouette(np.where(SEPARATED > 5, np.nan, SEPARATED), LABELS), ValueError,
     "silhouette: embedding holds 150 NaN"),
    (lambda: metrics.mse(NAN, GOOD), ValueError, "mse: estimate holds 1 NaN or inf"),
    (lambda: metrics.mse(GOOD, NAN), ValueError, "mse: truth holds 1 NaN or inf"),
    (lambda: metrics.correlation(GOOD, NAN), ValueError, "correlation: truth holds 1 NaN or inf"),
    (lambda: metrics.correlation(GOOD[:1], GOOD), ValueError, "correlation: shapes differ: estimate (1, 2)"),
    (lambda: metrics.mse([], []), ValueError, "mse: estimate is empty"),
    (lambda: metrics.correlation(np.zeros((0, 3)), np.zeros((0, 3))), ValueError, "correlation: estimate is empty"),
    (lambda: metrics.mse(np.array(["a", "b"]), GOOD), TypeError, "mse: estimate must hold numbers"),
    (lambda: metrics.active_units(NAN), ValueError, "active_units: means holds 1 NaN"),
    (lambda: metrics.within_group_share(NAN, [0, 1]), ValueError, "within_group_share: embedding holds 1 NaN"),
    (lambda: metrics.mean_background_mse(np.ones((3, 2, 2)), np.ones((3, 2, 3))), ValueError,
     "train_background (2, 2) vs test_background (2, 3)"),
    (lambda: metrics.pca_background_mse(GOOD, GOOD, GOOD[:1], 1), ValueError, "pca_background_mse: shapes differ"),
    (lambda: metrics.pca_background_mse(GOOD, GOOD, GOOD, 3), ValueError, "num_components must be between 1 and 2"),
])
def test_arguments_are_checked_with_messages_naming_them(call, error, words):
    with pytest.raises(error) as info:
        call()
    assert words in str(info.value)


def test_mean_background_baseline():
    train = np.stack([np.zeros((2, 2)), np.ones((2, 2))])  # mean crop 0.5
    np.testing.assert_allclose(metrics.mean_background_mse(train, np.ones((3, 2, 2))), 0.25)


def test_pca_background_mse_removes_what_the_backgrounds_do_not_span():
    # Backgrounds in a 3-d coordinate subspace of R^6; targets add a foreground in
    # the other three coordinates, which the projection drops exactly.
    rng = np.random.default_rng(0)
    scales = np.array([3.0, 2.0, 1.0])
    train = np.zeros((2000, 6))
    train[:, :3] = rng.normal(size=(2000, 3)) * scales
    background = np.zeros((500, 6))
    background[:, :3] = rng.normal(size=(500, 3)) * scales
    foreground = np.zeros((500, 6))
    foreground[:, 3:] = rng.normal(size=(500, 3))
    targets = background + foreground
    assert metrics.pca_background_mse(train, targets, background, 3) < 1e-3
    # One component keeps the first coordinate: the error is the variance of the
    # other two background coordinates, (2^2 + 1^2) / 6 per feature.
    np.testing.assert_allclose(metrics.pca_background_mse(train, targets, background, 1), 5.0 / 6.0, rtol=0.1)


def test_active_units_counts_dimensions_whose_mean_varies_over_examples():
    # Per-dimension variances over the 4 examples: 0.25, 0 (a constant mean, however
    # far from 0), 0.0025 (below the 0.01 threshold), 1.
    means = np.array([[0, 3, 0, -1], [1, 3, 0.1, 1], [0, 3, 0, -1], [1, 3, 0.1, 1]], "float64")
    assert metrics.active_units(means) == 2
    assert metrics.active_units(means, threshold=0.001) == 3
    assert metrics.active_units(means, threshold=0.5) == 1
    with pytest.raises(ValueError, match="N >= 2"):
        metrics.active_units(means[:1])
    with pytest.raises(ValueError, match="N >= 2"):
        metrics.active_units(means[:, 0])


def test_active_units_takes_a_posterior_and_names_what_to_pass_for_a_pair():
    import tensorflow_probability as tfp

    means = np.array([[0, 3], [1, 3], [0, 3], [1, 3]], "float32")
    posterior = tfp.distributions.MultivariateNormalDiag(means, np.ones_like(means))
    assert metrics.active_units(posterior) == metrics.active_units(means) == 1
    assert metrics.active_units(tuple(means)) == 1  # rows of numbers, not two posteriors
    with pytest.raises(ValueError, match=r"encode\(x\)\[0\] for the salient space"):
        metrics.active_units((posterior, posterior))


def test_within_group_share_is_the_within_part_of_the_variance():
    # Groups {0, 2} and {10, 12}: within sum 1+1+1+1 = 4, total 36+16+16+36 = 104.
    values = np.array([[0.0], [2.0], [10.0], [12.0]])
    assert metrics.within_group_share(values, ["a", "a", "b", "b"]) == pytest.approx(4 / 104)
    assert metrics.within_group_share(np.repeat(values, 2, axis=1), [0, 0, 1, 1]) == pytest.approx(4 / 104)
    # Groups {0, 10} and {2, 12}: means 5 and 7, between part 4 * 1^2 = 4 of 104.
    assert metrics.within_group_share(values, [0, 1, 0, 1]) == pytest.approx(1 - 4 / 104)
    assert metrics.within_group_share(SEPARATED, LABELS) < 0.01
    assert metrics.within_group_share(values, [7, 7, 7, 7]) == 1.0
    with pytest.raises(ValueError, match="does not vary"):
        metrics.within_group_share(np.ones((4, 2)), [0, 0, 1, 1])
    with pytest.raises(ValueError, match="4 embeddings but 3"):
        metrics.within_group_share(values, [0, 0, 1])


def test_has_classes_needs_two_distinct_labels():
    assert not metrics.has_classes(None) and not metrics.has_classes(np.array([3, 3, 3]))
    assert metrics.has_classes(np.array([3, 0, 3]))


VALUES = st.one_of(st.floats(allow_nan=True, allow_infinity=True, width=32), st.sampled_from([0.0, 1.0, 1e30]))
ARRAYS = st.one_of(
    hnp.arrays(st.sampled_from(["float32", "float64"]), hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4),
               elements=VALUES),
    hnp.arrays(st.sampled_from(["int64", "bool"]), hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)),
    st.just(np.array([["a", "b"]])), st.just(np.zeros((2, 2), "complex64")), st.just(np.array([None, 1], object)),
)


def _partner(a):
    """Arrays that get past the shape checks more often: a's shape, or labels for a's rows."""
    same = hnp.arrays(a.dtype, a.shape, elements=VALUES) if a.dtype.kind == "f" else st.just(a[::-1] if a.ndim else a)
    labels = st.just(np.arange(len(a)) % 2) if a.ndim else st.just(np.zeros(1, int))
    return st.tuples(st.just(a), st.one_of(ARRAYS, same, labels))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pair=ARRAYS.flatmap(_partner))
def test_metrics_raise_only_documented_errors_and_never_return_nan(pair):
    a, b = pair
    calls = (
        lambda: metrics.mse(a, b), lambda: metrics.correlation(a, b), lambda: metrics.silhouette(a, b),
        lambda: metrics.kmeans_agreement(a, b), lambda: metrics.active_units(a), lambda: metrics.within_group_share(a, b),
        lambda: metrics.mean_background_mse(a, b), lambda: metrics.pca_background_mse(a, a, b, 1),
    )
    for call in calls:
        try:
            result = call()
        except (ValueError, TypeError):
            continue
        values = list(result.values()) if isinstance(result, dict) else [result]
        assert np.isfinite(values).all()
