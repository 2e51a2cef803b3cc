"""The warnings `tfvae train` and `tfvae evaluate` print about unused latent spaces."""

import numpy as np
from helpers import tiny_contrastive, toy_contrastive_data

TARGET, _, _ = toy_contrastive_data(40)


def test_a_collapsed_salient_space_has_no_active_units_and_is_warned_of(capsys):
    from tfvae import metrics
    from tfvae.cli import report

    model = tiny_contrastive()
    # Untrained means vary by about the 0.01 threshold: widen the salient encoder's
    # output tenfold so that both dimensions clearly vary (variance x 100).
    last = model.salient_encoder.layers[-1]
    kernel, bias = last.get_weights()
    last.set_weights([10 * kernel, bias])
    assert metrics.separation_report(model, TARGET[:40])["salient_active_units"] == 2
    # Zero the output kernel: every input gets the same posterior (means = bias), as a
    # collapsed encoder gives them.
    last.set_weights([np.zeros_like(kernel), bias])
    collapsed = metrics.separation_report(model, TARGET[:40], prefix="test_")
    assert collapsed["test_salient_active_units"] == 0
    assert "collapsed" in report.collapse_warnings(collapsed)[0]
    report.print_results(collapsed, model=None)  # what tfvae train and evaluate print
    printed = capsys.readouterr()
    assert '"test_salient_active_units": 0' in printed.out
    # Other libraries may log to stderr too: look for the warning's own line.
    assert any(line.startswith("warning: no salient dimension") for line in printed.err.splitlines())
    assert report.collapse_warnings({"test_salient_active_units": 1}) == []
    assert report.collapse_warnings({"test_salient_active_units": 2}, salient_dim=2) == []
    # A partial collapse, e.g. the invariance weight 30 run on 0/1 that kept 1 of 2 units.
    partial = report.collapse_warnings({"test_salient_active_units": 1}, salient_dim=2)
    assert len(partial) == 1 and partial[0].startswith("only 1 of 2 salient dimensions are in use")
    assert report.collapse_warnings({"test_latent_silhouette": 0.5}) == []  # a VAE's report
    # The background: the low-rank likelihood's 0/1 seed-1 run kept 3 of 16 in use.
    emptied = report.collapse_warnings({"test_salient_active_units": 2, "test_background_active_units": 3}, 2, 16)
    assert len(emptied) == 1 and emptied[0].startswith("only 3 of 16 background dimensions are in use")
    assert "LowRankNormal" not in emptied[0]  # named only as the cause when the model has one
    low_rank = report.collapse_warnings({"test_background_active_units": 3}, 2, 16, low_rank=True)
    assert "LowRankNormal likelihood's noise covariance" in low_rank[0]
    assert report.collapse_warnings({"test_background_active_units": 16}, 2, 16) == []
    # Leakage: the predicted-scale run that lost its salient space (0.056 / 0.089)
    # warns; a healthy 0/1 run (0.42 / 0.01) and all ten (-0.009 / -0.024) do not.
    leaked = report.collapse_warnings({"test_salient_active_units": 2, "test_salient_silhouette": 0.056,
                                       "test_background_silhouette": 0.089})
    assert len(leaked) == 1 and "cluster better in the background latents (silhouette 0.089)" in leaked[0]
    for salient, background in ((0.42, 0.01), (-0.009, -0.024), (-0.02, 0.04)):
        assert report.collapse_warnings({"test_salient_silhouette": salient, "test_background_silhouette": background}) == []


