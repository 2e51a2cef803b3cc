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
    """An in-process dispatcher with workers on localhost, for tests and single-host runs.

    Use as a context manager; `address` is what `distribute` needs.
    """

    num_workers: int = 1
    dispatcher: object = dataclasses.field(default=None, init=False, repr=False)
    workers: list = dataclasses.field(default_factory=list, init=False, repr=False)

    def __enter__(self):
        service = tf.data.experimental.service
        self.dispatcher = service.DispatchServer(service.DispatcherConfig(port=0))
        host = self.dispatcher.target.split("://", 1)[1]
        self.workers = [
            service.WorkerServer(service.WorkerConfig(dispatcher_address=host, port=0))
            for _ in range(int(self.num_workers))
        ]
        return self

    @property
    def address(self):
        """The dispatcher address, `"grpc://localhost:<port>"`."""
        return self.dispatcher.target

    def __exit__(self, *exc):
        for worker in self.workers:
            worker.stop()
        self.dispatcher.stop()
        return False
