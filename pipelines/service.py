"""tf.data service: run preprocessing on remote tf.data workers instead of the trainer.

Start a dispatcher and workers (e.g. `tf.data.experimental.service.DispatchServer`
and `WorkerServer` on CPU hosts), then pass the dispatcher address to `distribute`
or to `batch_pipeline(..., service=address)`. The dataset's graph travels to the
workers, in-memory arrays included, so send large data as TFRecord shards on storage
the workers can read.
"""

import dataclasses

import tensorflow as tf

PROCESSING_MODES = ("parallel_epochs", "distributed_epoch")


def distribute(data, service, processing_mode="parallel_epochs", job_name=None):
    """Sends `data`'s pipeline to a tf.data service and reads its elements back.

    Args:
        data: `tf.data.Dataset`. Its transformations run on the service's workers.
        service: str. Dispatcher address, e.g. `"grpc://localhost:5050"`.
        processing_mode: str. `"parallel_epochs"`: every worker produces the whole
            dataset (fine for shuffled training data); `"distributed_epoch"`: the
            workers split one epoch so each element is produced once.
        job_name: optional str. Consumers passing the same name share one job.

    Returns:
        A `tf.data.Dataset` with the same element spec.
    """
    if processing_mode not in PROCESSING_MODES:
        raise ValueError(f"processing_mode must be one of {PROCESSING_MODES}, got {processing_mode!r}.")
    if not isinstance(service, str) or not service:
        raise ValueError(f"service must be a dispatcher address like 'grpc://host:port', got {service!r}.")
    return data.apply(
        tf.data.experimental.service.distribute(processing_mode=processing_mode, service=service, job_name=job_name)
    )


@dataclasses.dataclass
class LocalService:
    """An in-process dispatcher with workers, for tests and single-host runs.

    Use as a context manager; `address` is what `distribute` needs. Every address
    the service gives out (its own, and each worker's, which the dispatcher hands
    to readers) is on `host`, the loopback interface unless you pass another.

    What TensorFlow does not let us restrict: TF 2.21's tf.data servers listen on
    every interface (`GrpcDataServerBase::Start` in
    `tensorflow/core/data/service/server_lib.cc` binds `0.0.0.0:<port>`; neither
    `DispatcherConfig` nor `WorkerConfig` has a bind address), and pip builds
    register only the unauthenticated `"grpc"` protocol (`"grpc+local"`, which
    would refuse peers that are not on loopback, is not registered). So while the
    service runs, its ports (free ones the OS picks, closed on exit) accept
    connections from any host that can reach this one, and such a peer can run
    tf.data graphs, which read files, in this process. On a host others reach,
    keep those ports behind a firewall or inside a private network namespace.

    Args:
        num_workers: int. Worker servers to start.
        host: str. The address given out for the dispatcher and the workers.
    """

    num_workers: int = 1
    host: str = "127.0.0.1"
    dispatcher: object = dataclasses.field(default=None, init=False, repr=False)
    workers: list = dataclasses.field(default_factory=list, init=False, repr=False)

    def __enter__(self):
        service = tf.data.experimental.service
        self.dispatcher = service.DispatchServer(service.DispatcherConfig(port=0))
        dispatcher = _host_port(self.host, self.dispatcher.target.rsplit(":", 1)[1])
        self.workers = [
            service.WorkerServer(
                service.WorkerConfig(
                    dispatcher_address=dispatcher,
                    worker_address=_host_port(self.host, "%port%"),
                    data_transfer_address=_host_port(self.host, "%dts_port%"),
                    port=0,
                )
            )
            for _ in range(int(self.num_workers))
        ]
        return self

    @property
    def address(self):
        """The dispatcher address, `"grpc://<host>:<port>"`."""
        return "grpc://" + _host_port(self.host, self.dispatcher.target.rsplit(":", 1)[1])

    @property
    def worker_addresses(self):
        """The `"<host>:<port>"` each worker registered with the dispatcher (its
        `worker_address`; TF's `WorkerServer._address` always says localhost)."""
        return [_host_port(self.host, worker._address.rsplit(":", 1)[1]) for worker in self.workers]

    def __exit__(self, *exc):
        for worker in self.workers:
            worker.stop()
        self.dispatcher.stop()
        return False


def _host_port(host, port):
    """`host:port`, with an IPv6 host in brackets."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
