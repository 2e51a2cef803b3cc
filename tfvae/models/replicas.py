"""The global batch seen from one replica, so that batch-level terms do not depend on
how many replicas share a batch.

MirroredStrategy and MultiWorkerMirroredStrategy split a global batch into contiguous
per-replica slices. Per-example terms average correctly on their own (each replica's
mean, divided by the number of replicas and summed, is the global mean); terms that
couple examples (an MMD kernel, a permutation across the batch, the noise of a
seeded draw) must see the whole global batch to give the result of one device.
Outside a strategy every function here is the identity.
"""

import tensorflow as tf


def replica_position():
    """`(num_replicas, replica_id)` of the current replica context ((1, 0) outside one)."""
    context = tf.distribute.get_replica_context()
    if context is None:  # cross-replica context: one copy of the computation
        return 1, 0
    return context.num_replicas_in_sync, context.replica_id_in_sync_group


def global_batch(t):
    """All replicas' rows of `t` `(B_local, ...)` in order, `(B_local * R, ...)`.

    Differentiable: the gradient of each replica's copy flows back to the replica
    that owns the rows (`ReplicaContext.all_gather` sums the upstream gradients).
    """
    replicas, _ = replica_position()
    if replicas == 1:
        return t
    return tf.distribute.get_replica_context().all_gather(t, axis=0)


def local_rows(t, local_batch, axis=0):
    """This replica's contiguous slice of a global-batch tensor along `axis` (`t`
    itself outside a strategy, so one device adds no op to the step)."""
    replicas, replica = replica_position()
    if replicas == 1:
        return t
    begin = replica * local_batch
    return tf.gather(t, tf.range(begin, begin + local_batch), axis=axis)


def paired_rows(t, local_batch):
    """Rows of `t` paired with this replica's `local_batch` examples, `(local_batch, ...)`.

    Local example j of replica r has global index g = r * local_batch + j and gets
    row g mod N of the global batch of `t` (N rows), so the pairs do not depend on
    the number of replicas; `t` is gathered only under a strategy.
    """
    t = global_batch(t)
    _, replica = replica_position()
    index = (replica * local_batch + tf.range(local_batch)) % tf.shape(t)[0]  # (local_batch,)
    return tf.gather(t, index)
