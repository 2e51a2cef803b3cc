"""Distributed tuning: the process's role from Keras Tuner's environment variables,
and the chief's oracle server.

Every process runs the same search. `KERASTUNER_ORACLE_IP` and
`KERASTUNER_ORACLE_PORT` give the chief's address; `KERASTUNER_TUNER_ID` is
`"chief"` for the one process that serves the oracle (it runs no trials) and a
distinct id (`"tuner0"`, `"tuner1"`, ...) for each worker. Workers ask the chief
for trials over gRPC (the `grpcio` package) and write checkpoints and logs into
the search directory, which must be shared storage when they run on several
machines.
"""

import os
import time
from concurrent import futures

from keras_tuner.src.distribute import utils as dist_utils

CHIEF, WORKER, STANDALONE = "chief", "worker", "standalone"


def role():
    """`"chief"`, `"worker"` or `"standalone"` (no `KERASTUNER_ORACLE_IP` set).

    Raises:
        RuntimeError: `KERASTUNER_ORACLE_IP` set without the port or tuner id.
    """
    if not dist_utils.has_chief_oracle():
        return STANDALONE
    return CHIEF if dist_utils.is_chief_oracle() else WORKER


def serve_oracle(oracle, poll_seconds=1.0, grace_seconds=5.0):
    """Serves `oracle` to the workers until the search is over, then returns.

    Keras Tuner's own `oracle_chief.start_server`, with two changes: it checks for
    the end every `poll_seconds` instead of every 20 s, and it stops the server
    (letting replies in flight finish) instead of leaving it running.

    Args:
        oracle: the chief's `keras_tuner.Oracle`.
        poll_seconds: float. Seconds between checks for the end of the search.
        grace_seconds: float. Time given to replies in flight when stopping.
    """
    import grpc  # imported here, as Keras Tuner does: only distributed runs need it
    from keras_tuner.src import protos
    from keras_tuner.src.distribute import oracle_chief

    address = f"{os.environ['KERASTUNER_ORACLE_IP']}:{os.environ['KERASTUNER_ORACLE_PORT']}"
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=1))
    servicer = oracle_chief.OracleServicer(oracle)
    protos.get_service_grpc().add_OracleServicer_to_server(servicer, server)
    server.add_insecure_port(address)
    server.start()
    try:
        # The search is over once some worker was told to stop and no worker is
        # left running a trial or waiting for its stop signal.
        while not (servicer.stop_triggered and oracle_chief.exit_chief(oracle)):
            time.sleep(poll_seconds)
    finally:
        server.stop(grace_seconds).wait()
