"""Regularizers of the contrastive VAE against closed forms."""

import keras
import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp

from tfvae.models import regularizers

tfd = tfp.distributions


def test_mmd_of_point_masses_has_closed_form():
    a, b = tf.fill((16, 1), 0.0), tf.fill((16, 1), 1.5)
    h = 0.7
    expected = 2.0 - 2.0 * np.exp(-(1.5**2) / (2 * h**2))
    np.testing.assert_allclose(regularizers.mmd(a, b, bandwidths=(h,)), expected, rtol=1e-5)
    np.testing.assert_allclose(regularizers.mmd(a, a, bandwidths=(h,)), 0.0, atol=1e-6)


def test_mmd_grows_with_the_distance_between_distributions():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 3)).astype("float32")
    values = [float(regularizers.mmd(x, rng.normal(size=(200, 3)).astype("float32") + shift)) for shift in (0.0, 0.5, 2.0)]
    assert values[0] < 0.02 < values[1] < values[2]


def test_rbf_kernel_averages_bandwidths():
    a, b = tf.constant([[0.0, 0.0]]), tf.constant([[3.0, 4.0]])
    expected = np.mean([np.exp(-25 / (2 * h**2)) for h in (1.0, 5.0)])
    np.testing.assert_allclose(regularizers.rbf_kernel(a, b, (1.0, 5.0)), [[expected]], rtol=1e-5)


def test_squared_w2_to_origin_is_mean_norm_plus_trace():
    loc = np.array([[1.0, -2.0], [0.0, 0.5]], "float32")
    cov = np.array([[[2.0, 0.3], [0.3, 1.0]], [[0.5, 0.0], [0.0, 0.25]]], "float32")
    q = tfd.MultivariateNormalTriL(loc, tf.linalg.cholesky(cov))
    expected = (loc**2).sum(1) + np.trace(cov, axis1=1, axis2=2)
    np.testing.assert_allclose(regularizers.squared_w2_to_origin(q), expected, rtol=1e-5)


def test_background_swap_penalty_of_a_linear_encoder_has_closed_form():
    rng = np.random.default_rng(0)
    weights = rng.normal(size=(6, 2)).astype("float32")
    salient_mean = lambda x: tf.reshape(x, (-1, 6)) @ weights  # E[s|x] = W^T x
    target, decoded, background = (rng.normal(size=(4, 3, 2)).astype("float32") for _ in range(3))
    np.testing.assert_allclose(regularizers.swap_background(target, decoded, background), target - decoded + background, rtol=1e-6)
    # Linear: the means move by W^T (x_b - b), whatever the target.
    expected = (((background - decoded).reshape(4, 6) @ weights) ** 2).sum(1)
    penalty = regularizers.background_swap_penalty(salient_mean, target, decoded, background)
    np.testing.assert_allclose(penalty, expected, rtol=1e-5)
    # Given target means are used as they are (here: means 1 off in one coordinate).
    shifted = salient_mean(target) + np.array([1.0, 0.0], "float32")
    with_means = regularizers.background_swap_penalty(salient_mean, target, decoded, background, target_means=shifted)
    moved = np.array([1.0, 0.0]) - (background - decoded).reshape(4, 6) @ weights
    np.testing.assert_allclose(with_means, (moved**2).sum(1), rtol=1e-5)
    # With a swap source r (a reconstruction), r - b goes onto x_b: the move is W^T (r - b + x_b - x_t).
    source = rng.normal(size=(4, 3, 2)).astype("float32")
    from_source = regularizers.background_swap_penalty(salient_mean, target, decoded, background, swap_source=source)
    expected = (((source - decoded + background - target).reshape(4, 6) @ weights) ** 2).sum(1)
    np.testing.assert_allclose(from_source, expected, rtol=1e-4)
    # The decoded background is held fixed: no gradient reaches it.
    decoded_t = tf.constant(decoded)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(decoded_t)
        value = tf.reduce_sum(regularizers.background_swap_penalty(salient_mean, target, decoded_t, background))
    assert tape.gradient(value, decoded_t) is None
    # An encoder blind to the pixels the swap changes pays 0.
    background[:, 0, 0] = decoded[:, 0, 0]
    first_pixel = lambda x: tf.reshape(x, (-1, 6))[:, :1]
    np.testing.assert_allclose(regularizers.background_swap_penalty(first_pixel, target, decoded, background), np.zeros(4), atol=1e-7)


def test_relative_swap_penalty_is_the_move_over_the_spread_and_ignores_scale():
    rng = np.random.default_rng(1)
    weights = rng.normal(size=(6, 3)).astype("float32")
    target, decoded, background = (rng.normal(size=(5, 6)).astype("float32") for _ in range(3))
    means = target @ weights
    spread = np.mean(((means - means.mean(0)) ** 2).sum(1))  # sum of the per-dimension variances
    np.testing.assert_allclose(regularizers.salient_spread(means), spread, rtol=1e-5)
    absolute, relative = (
        regularizers.background_swap_penalty(lambda x: x @ weights, target, decoded, background, relative=r) for r in (False, True)
    )
    np.testing.assert_allclose(relative, absolute / (spread + 1e-4), rtol=1e-5)
    # A salient space 10 times smaller pays 100 times less in the absolute form, the same in the
    # relative one but for the floor.
    small = lambda x: x @ (0.1 * weights)
    np.testing.assert_allclose(regularizers.background_swap_penalty(small, target, decoded, background), 0.01 * absolute, rtol=1e-4)
    small_relative = regularizers.background_swap_penalty(small, target, decoded, background, relative=True)
    np.testing.assert_allclose(small_relative, 0.01 * absolute / (0.01 * spread + 1e-4), rtol=1e-4)
    np.testing.assert_allclose(small_relative, relative, rtol=0.01)
    # Targets that all get the same means: the floor keeps the value finite.
    constant = lambda x: tf.zeros((tf.shape(x)[0], 3)) + tf.reduce_sum(x, -1, keepdims=True) * 0.0
    assert np.all(np.isfinite(regularizers.background_swap_penalty(constant, target, decoded, background, relative=True)))


def test_swap_contrast_is_infonce_over_the_batch_with_closed_form():
    means = np.array([[0.0, 0.0], [1.0, 0.0]], "float32")
    swapped = np.array([[0.0, 1.0], [1.0, 1.0]], "float32")  # d_ii = 1, d_ij = 2
    by_hand = np.log(np.exp(-1 / 0.5) + np.exp(-2 / 0.5)) + 1 / 0.5
    np.testing.assert_allclose(regularizers.swap_contrast(means, swapped, 1.0, 0.5), [by_hand, by_hand], rtol=1e-6)
    np.testing.assert_allclose(regularizers.swap_contrast(means, swapped, 2.0, 0.25), [by_hand, by_hand], rtol=1e-6)
    # Unlike the squared move, it falls as the other targets' swaps move away: the negatives count.
    far = regularizers.swap_contrast(3 * means, 3 * swapped - [[0, 2], [0, 2]], 1.0, 0.5)  # same d_ii, d_ij = 10
    assert np.all(far.numpy() < by_hand) and np.all(far.numpy() >= 0)


def test_swap_penalty_with_a_temperature_is_the_contrast_of_the_swapped_means():
    rng = np.random.default_rng(2)
    weights = rng.normal(size=(6, 3)).astype("float32")
    target, decoded, background = (rng.normal(size=(5, 6)).astype("float32") for _ in range(3))
    means, swapped = target @ weights, (target - decoded + background) @ weights
    spread = np.mean(((means - means.mean(0)) ** 2).sum(1)) + 1e-4
    for relative, scale in ((False, 1.0), (True, spread)):
        penalty = regularizers.background_swap_penalty(lambda x: x @ weights, target, decoded, background, relative=relative,
                                                       temperature=0.3)
        np.testing.assert_allclose(penalty, regularizers.swap_contrast(means, swapped, scale, 0.3), rtol=1e-5)


def test_permute_dims_shuffles_s_across_the_batch_and_keeps_z():
    s = tf.reshape(tf.range(10.0), (10, 1))
    z = tf.reshape(tf.range(10.0, 30.0), (10, 2))
    out = regularizers.permute_dims(s, z, tf.constant([1, 2])).numpy()
    np.testing.assert_array_equal(out[:, 1:], z)
    assert sorted(out[:, 0]) == list(range(10)) and not np.array_equal(out[:, 0], np.arange(10))


def _train_discriminator(s, z, steps=300):
    discriminator = regularizers.TCDiscriminator((16,))
    discriminator.build((None, 2))
    optimizer = keras.optimizers.Adam(1e-2)

    @tf.function
    def step(seed):
        joint, product = tf.concat([s, z], -1), regularizers.permute_dims(s, z, seed)
        with tf.GradientTape() as tape:
            loss = regularizers.discriminator_loss(discriminator, joint, product)
        optimizer.apply_gradients(zip(tape.gradient(loss, discriminator.trainable_variables), discriminator.trainable_variables))
        return loss

    for i in range(steps):
        step(tf.constant([i, 0]))
    return float(regularizers.total_correlation(discriminator, tf.concat([s, z], -1)))


def test_tc_estimate_detects_dependence():
    rng = np.random.default_rng(0)
    s = rng.normal(size=(256, 1)).astype("float32")
    dependent = _train_discriminator(s, s + 0.1 * rng.normal(size=(256, 1)).astype("float32"))
    independent = _train_discriminator(s, rng.normal(size=(256, 1)).astype("float32"))
    assert dependent > 1.0 and abs(independent) < 0.5, (dependent, independent)


def test_discriminator_config_round_trip():
    layer = regularizers.TCDiscriminator((8, 4))
    assert type(layer).from_config(layer.get_config()).hidden_units == (8, 4)


def test_component_responsibilities_are_the_mixture_posterior_and_hold_the_prior_fixed():
    loc = tf.Variable([[0.0, 0.0], [3.0, 0.0], [0.0, 4.0]])
    scale = tf.Variable([[1.0, 0.5], [0.7, 1.0], [2.0, 1.5]])
    prior = tfp.distributions.MixtureSameFamily(
        tfp.distributions.Categorical(logits=tf.zeros(3)),
        tfp.distributions.MultivariateNormalDiag(loc=loc, scale_diag=scale),
    )
    means = tf.constant([[0.1, 0.2], [2.5, -0.3], [0.5, 3.0], [1.5, 1.5]])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(means)
        log_r = regularizers.component_log_responsibilities(means, prior)
        total = tf.reduce_sum(log_r[:, 0])
    # Bayes' rule with equal weights: N(mu; m_k, s_k) normalized over k.
    density = np.stack([np.prod(np.exp(-0.5 * ((means.numpy() - m) / s) ** 2) / s, -1)
                        for m, s in zip(loc.numpy(), scale.numpy())], -1)  # (4, 3)
    np.testing.assert_allclose(np.exp(log_r), density / density.sum(1, keepdims=True), rtol=1e-5)
    assert tape.gradient(total, means) is not None
    assert tape.gradient(total, loc) is None and tape.gradient(total, scale) is None


def test_negative_cluster_information_is_conditional_minus_marginal_entropy():
    k = 4
    uniform = tf.math.log(tf.fill((6, k), 1.0 / k))
    np.testing.assert_allclose(regularizers.negative_cluster_information(uniform), 0.0, atol=1e-6)
    # Confident and balanced: -log K; confident but all in one component: 0.
    confident = tf.math.log(tf.one_hot(np.arange(8) % k, k) * (1 - 1e-7 * k) + 1e-7)
    np.testing.assert_allclose(regularizers.negative_cluster_information(confident), -np.log(k), atol=1e-4)
    one = tf.math.log(tf.one_hot(np.zeros(8, int), k) * (1 - 1e-7 * k) + 1e-7)
    np.testing.assert_allclose(regularizers.negative_cluster_information(one), 0.0, atol=1e-4)
    # Any batch: the closed form of H(C|S) - H(C).
    r = np.random.default_rng(0).dirichlet(np.ones(k), size=5)
    marginal = r.mean(0)
    expected = -(r * np.log(r)).sum(1).mean() + (marginal * np.log(marginal)).sum()
    np.testing.assert_allclose(regularizers.negative_cluster_information(tf.math.log(r)), expected, rtol=1e-5)
