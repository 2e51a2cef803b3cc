"""`tfvae data write` and `tfvae data inspect`: built-in datasets to TFRecord shards and back."""

import json

import numpy as np
import pytest

import pipelines
from tfvae.cli import data as cli_data
from tfvae.cli import data_inspect
from tfvae.cli.main import build_parser, main


def inspect(*argv):
    args = build_parser().parse_args(["data", "inspect", *argv])
    return data_inspect.run(args)


def test_written_shards_inspect_like_the_dataset(tmp_path):
    x, y = pipelines.digits_8x8("test", seed=2)
    assert main(["data", "write", "digits_8x8", "--split", "test", "--seed", "2", "--shards", "3", "--out", str(tmp_path)]) == 0
    spec = json.loads((tmp_path / "spec.json").read_text())
    assert [shard["num_examples"] for shard in spec["shards"]] == [120, 120, len(x) - 240]
    assert sum(1 for _ in tmp_path.glob("*.tfrecord")) == 3

    from_shards = inspect(str(tmp_path))
    assert from_shards == inspect("digits_8x8", "--split", "test", "--seed", "2")
    assert from_shards["num_examples"] == len(x)
    assert from_shards["fields"] == {
        "x": {"dtype": "float32", "shape": [8, 8, 1], "min": float(x.min()), "max": float(x.max())},
        "label": {"dtype": "int64", "shape": [], "min": 0, "max": 9},
    }
    assert from_shards["label_counts"] == dict(enumerate(np.bincount(y).tolist()))

    two = inspect(str(tmp_path / "shard-0000[01].tfrecord"))  # a glob of some shards
    assert two["num_examples"] == 240


def test_background_set_of_a_contrastive_dataset(tmp_path):
    assert main(["data", "write", "synthetic", "--set", "background", "--out", str(tmp_path)]) == 0
    summary = inspect(str(tmp_path))
    assert summary["num_examples"] == len(pipelines.synthetic_subgroups(seed=0).background["x"])
    assert set(summary["fields"]) == {"x"} and "label_counts" not in summary


def test_write_refuses_what_it_cannot_do(tmp_path):
    main(["data", "write", "synthetic", "--set", "target", "--out", str(tmp_path)])
    with pytest.raises(SystemExit, match="already holds TFRecord shards; pass --overwrite to replace them"):
        main(["data", "write", "synthetic", "--set", "target", "--out", str(tmp_path)])
    assert main(["data", "write", "synthetic", "--set", "target", "--out", str(tmp_path), "--overwrite",
                 "--shards", "2"]) == 0
    assert len(json.loads((tmp_path / "spec.json").read_text())["shards"]) == 2
    with pytest.raises(SystemExit, match="digits_8x8 has no background set"):
        main(["data", "write", "digits_8x8", "--set", "background", "--out", str(tmp_path / "b")])
    with pytest.raises(SystemExit, match=r"--shards must be between 1 and the number of examples \(400\); got 401"):
        main(["data", "write", "synthetic", "--set", "target", "--shards", "401", "--out", str(tmp_path / "c")])
    with pytest.raises(SystemExit, match="--out is required"):
        main(["data", "write", "synthetic"])


def test_write_of_a_contrastive_dataset_writes_both_sets_by_default(tmp_path, capsys):
    assert main(["data", "write", "synthetic", "--split", "validation", "--out", str(tmp_path)]) == 0
    shown = capsys.readouterr().out
    assert f"tfvae train --target {tmp_path / 'target'} --background {tmp_path / 'background'}" in shown
    validation = cli_data.load("synthetic").validation
    for name, fields in (("target", {"x", "label"}), ("background", {"x"})):
        written = pipelines.to_arrays(pipelines.read_tfrecords(str(tmp_path / name)))
        assert set(written) == fields
        np.testing.assert_array_equal(written["x"], getattr(validation, name)["x"])


def test_write_overwrite_deletes_nothing_a_spec_lists_outside_the_folder(tmp_path):
    out = tmp_path / "shards"
    main(["data", "write", "synthetic", "--set", "target", "--out", str(out)])
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    spec = json.loads((out / "spec.json").read_text())
    for file in (str(victim), "../victim.txt"):
        spec["shards"][0]["file"] = file
        (out / "spec.json").write_text(json.dumps(spec))
        with pytest.raises(SystemExit, match="refusing to read or delete it") as info:
            main(["data", "write", "synthetic", "--set", "target", "--out", str(out), "--overwrite"])
        assert "\n" not in str(info.value)
    assert victim.read_text() == "keep me"


def test_write_takes_its_flags_from_a_config(tmp_path):
    (tmp_path / "write.yaml").write_text(f"out: {tmp_path / 'shards'}\nshards: 2\nsplit: test\nset: target\n")
    assert main(["data", "write", "synthetic", "--config", str(tmp_path / "write.yaml")]) == 0
    assert inspect(str(tmp_path / "shards"))["num_examples"] == 400


def test_inspect_names_what_it_cannot_read(tmp_path):
    with pytest.raises(SystemExit, match="neither a built-in dataset .* nor TFRecord shards"):
        inspect(str(tmp_path / "nothing"))


def test_inspect_names_a_truncated_or_damaged_shard(tmp_path):
    main(["data", "write", "synthetic", "--set", "target", "--shards", "3", "--out", str(tmp_path)])
    shard = tmp_path / "shard-00001.tfrecord"
    intact = shard.read_bytes()
    shard.write_bytes(intact[:-7])  # cut short
    with pytest.raises(SystemExit, match=r"shard-00001\.tfrecord' holds .* truncated") as info:
        inspect(str(tmp_path))
    assert "\n" not in str(info.value)
    damaged = bytearray(intact)
    damaged[len(damaged) // 2] ^= 0xFF  # same size, one byte flipped: found by the records' checksums
    shard.write_bytes(bytes(damaged))
    with pytest.raises(SystemExit, match=r"shard-00001\.tfrecord' is damaged") as info:
        inspect(str(tmp_path))
    assert "\n" not in str(info.value)


def test_digits_select_classes_of_the_plain_digit_sets():
    y_all = pipelines.digits_8x8("test", seed=0)[1]
    assert inspect("digits_8x8", "--split", "test")["label_counts"] == dict(enumerate(np.bincount(y_all).tolist()))
    chosen = inspect("digits_8x8", "--split", "test", "--digits", "3,5")
    assert chosen["label_counts"] == {3: int((y_all == 3).sum()), 5: int((y_all == 5).sum())}
    assert chosen["num_examples"] == int(np.isin(y_all, (3, 5)).sum())
    # mnist_on_grass keeps its own default, digits 0 and 1.
    assert set(inspect("mnist_on_grass", "--split", "test")["label_counts"]) == {0, 1}
    for bad in ("3,x", "10", "all,1"):
        with pytest.raises(SystemExit):
            inspect("digits_8x8", "--digits", bad)
