"""`tf.train.Example` records holding each fixed-shape field as one raw-bytes feature.

Every record of a data set has the same field sizes, so every byte of protobuf
framing is the same too. `encode_batch` computes that framing once and writes
whole batches with numpy (about 10x faster than building one `tf.train.Example`
per row); the records are ordinary `tf.train.Example`s that any reader parses.
`parser` decodes a batch of records in the graph with `tf.io.parse_example` and
`tf.io.decode_raw`.
"""

import numpy as np
import tensorflow as tf

LENGTH_DELIMITED = 2  # protobuf wire type of strings, bytes and messages


def _varint(value):
    """Protobuf base-128 varint encoding of a non-negative int."""
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | 0x80 if value else byte)
        if not value:
            return bytes(out)


def _field(number, length):
    """Tag and length of a length-delimited field."""
    return _varint(number << 3 | LENGTH_DELIMITED) + _varint(length)


def _raw_dtype(dtype):
    """numpy dtype of the stored bytes: little-endian, booleans as uint8."""
    dtype = np.dtype("uint8" if dtype == np.bool_ else dtype)
    return dtype.newbyteorder("<")


def _headers(fields):
    """Constant bytes before each field's raw data: `[bytes]` in `fields` order.

    Example{features: Features{feature: map<key, Feature{bytes_list: BytesList{value: [raw]}}>}}
    """
    headers, total = [], 0
    for key, field in fields.items():
        size = int(np.prod(field["shape"], dtype=np.int64)) * _raw_dtype(field["dtype"]).itemsize
        key = key.encode()
        bytes_list = _field(1, size)  # BytesList.value
        feature = _field(1, len(bytes_list) + size)  # Feature.bytes_list
        entry = _field(1, len(key)) + key + _field(2, len(feature) + len(bytes_list) + size)  # map entry
        entry_size = len(entry) + len(feature) + len(bytes_list) + size
        headers.append(_field(1, entry_size) + entry + feature + bytes_list)  # Features.feature
        total += len(headers[-1]) + size
    headers[0] = _field(1, total) + headers[0]  # Example.features
    return headers


def record_size(fields):
    """Bytes of every serialized example of a data set with these `fields`."""
    sizes = [int(np.prod(f["shape"], dtype=np.int64)) * _raw_dtype(f["dtype"]).itemsize for f in fields.values()]
    return sum(len(header) for header in _headers(fields)) + sum(sizes)


def encode_batch(batch, fields):
    """Serialized `tf.train.Example`s of a batch.

    Args:
        batch: dict of numpy arrays `(B, *shape)`, the keys of `fields`.
        fields: dict `{key: {"dtype": str, "shape": list}}`.

    Returns:
        uint8 array `(B, record_size)`; row i is record i.
    """
    parts = []
    num = len(next(iter(batch.values())))
    for header, (key, field) in zip(_headers(fields), fields.items()):
        raw = np.ascontiguousarray(batch[key], dtype=_raw_dtype(field["dtype"])).reshape(num, -1).view(np.uint8)
        parts += [np.broadcast_to(np.frombuffer(header, np.uint8), (num, len(header))), raw]
    return np.concatenate(parts, axis=1)


def parser(fields):
    """Returns a function from a `(B,)` string batch of records to a dict of `(B, *shape)`."""
    features = {key: tf.io.FixedLenFeature([], tf.string) for key in fields}

    def parse(serialized):
        raw = tf.io.parse_example(serialized, features)
        out = {}
        for key, field in fields.items():
            dtype = tf.dtypes.as_dtype(field["dtype"])
            stored = tf.uint8 if dtype == tf.bool else dtype
            values = tf.io.decode_raw(raw[key], stored, little_endian=True)  # (B, prod(shape))
            out[key] = tf.cast(tf.reshape(values, [-1, *field["shape"]]), dtype)
        return out

    return parse
