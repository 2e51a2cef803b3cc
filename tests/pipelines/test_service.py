"""tf.data service mode on an in-process dispatcher and workers (loopback only)."""

import ipaddress
from urllib.parse import urlsplit

import numpy as np
import pytest

import pipelines


def _labels(data):
    return np.concatenate([b["label"].numpy() for b in data])


def test_service_runs_the_pipeline_on_workers():
    y = np.arange(30)
    fields = {"x": np.linspace(0, 1, 30, dtype=np.float32)[:, None], "label": y}
    with pipelines.LocalService(num_workers=2) as service:
        once = pipelines.batch_pipeline(fields, 8, seed=0, service=service.address, service_mode="distributed_epoch")
        np.testing.assert_array_equal(np.sort(_labels(once)), y)  # each example once
        each = pipelines.batch_pipeline(fields, 8, seed=0, service=service.address)
        np.testing.assert_array_equal(np.sort(_labels(each)), np.repeat(y, 2))  # one epoch per worker


def test_local_service_gives_out_only_loopback_addresses():
    # TensorFlow binds its servers to 0.0.0.0 whatever we ask (see LocalService's
    # docstring); what we control is every address the service hands out.
    fields = {"x": np.zeros((4, 1), "float32"), "label": np.arange(4)}
    with pipelines.LocalService(num_workers=2) as service:
        hosts = [urlsplit(service.address).hostname] + [urlsplit(f"//{a}").hostname for a in service.worker_addresses]
        assert len(hosts) == 3 and all(ipaddress.ip_address(host).is_loopback for host in hosts)
        once = pipelines.batch_pipeline(fields, 4, service=service.address, service_mode="distributed_epoch")
        np.testing.assert_array_equal(np.sort(_labels(once)), np.arange(4))


def test_service_arguments_are_checked():
    data = pipelines.from_arrays(np.zeros((2, 1), "float32"))
    with pytest.raises(ValueError, match="processing_mode"):
        pipelines.distribute(data, "grpc://localhost:1", processing_mode="sometimes")
    with pytest.raises(ValueError, match="dispatcher address"):
        pipelines.distribute(data, "")
