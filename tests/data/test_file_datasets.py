"""File-backed datasets: CSV, NPZ, MNIST IDX files and scikit-learn's digits, with their errors."""
import gzip
import struct
import sys

import numpy as np
import pytest

import framework
from framework.data import DataLoader, datasets
from framework.data.datasets import CSVDataset, MNIST, NpzDataset, read_idx


def write(path, text):
    path.write_text(text)
    return path


# --------------------------------------------------------------------------- CSV
def test_csv_with_header_and_integer_labels(tmp_path):
    path = write(tmp_path / "d.csv", "a,b,label\n1,2.5,0\n3,4,1\n\n5,6,2\n")
    ds = CSVDataset(path, target="label")
    x, y = ds.tensors
    assert len(ds) == 3
    assert x.dtype == framework.float32 and x.tolist() == [[1.0, 2.5], [3.0, 4.0], [5.0, 6.0]]
    assert y.dtype == framework.int64 and y.tolist() == [0, 1, 2]
    assert ds.feature_names == ["a", "b"] and ds.target_names == ["label"]


def test_csv_text_labels_become_class_indices(tmp_path):
    path = write(tmp_path / "iris.csv", "w,species\n1,virginica\n2,setosa\n3,versicolor\n4,setosa\n")
    ds = CSVDataset(path, target="species")
    assert ds.classes == ["setosa", "versicolor", "virginica"]
    assert ds.tensors[1].tolist() == [2, 0, 1, 0]


def test_csv_fractional_target_is_regression(tmp_path):
    path = write(tmp_path / "r.csv", "x,price\n1,2.5\n2,3.75\n")
    y = CSVDataset(path, target="price").tensors[1]
    assert y.dtype == framework.float32 and tuple(y.shape) == (2, 1)


def test_csv_target_dtype_override(tmp_path):
    path = write(tmp_path / "r.csv", "x,age\n1,30\n2,41\n")
    y = CSVDataset(path, target="age", target_dtype="float32").tensors[1]
    assert y.dtype == framework.float32 and y.tolist() == [[30.0], [41.0]]
    y = CSVDataset(path, target="age", target_dtype=framework.int64).tensors[1]
    assert y.dtype == framework.int64 and y.tolist() == [30, 41]


def test_csv_several_targets_and_chosen_features(tmp_path):
    path = write(tmp_path / "m.csv", "a,b,c,t1,t2\n1,2,3,0.5,1\n4,5,6,1.5,2\n")
    ds = CSVDataset(path, target=["t1", "t2"], features=["c", "a"])
    x, y = ds.tensors
    assert x.tolist() == [[3.0, 1.0], [6.0, 4.0]]
    assert y.dtype == framework.float32 and y.tolist() == [[0.5, 1.0], [1.5, 2.0]]


def test_csv_without_header_uses_column_numbers(tmp_path):
    path = write(tmp_path / "n.csv", "1;2;0\n3;4;1\n")
    ds = CSVDataset(path, target=-1, delimiter=";", header=False)
    assert ds.tensors[0].tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert ds.tensors[1].tolist() == [0, 1]


def test_csv_quoted_fields(tmp_path):
    path = write(tmp_path / "q.csv", 'x,"the, label"\n"1.5",1\n"2",0\n')
    ds = CSVDataset(path, target="the, label")
    assert ds.tensors[0].tolist() == [[1.5], [2.0]]


def test_csv_dataset_in_a_loader(tmp_path):
    rows = "\n".join(f"{i},{i * 2},{i % 3}" for i in range(20))
    path = write(tmp_path / "big.csv", "a,b,y\n" + rows + "\n")
    xb, yb = next(iter(DataLoader(CSVDataset(path, target="y"), batch_size=8, shuffle=True, seed=0)))
    assert tuple(xb.shape) == (8, 2) and yb.dtype == framework.int64


@pytest.mark.parametrize("text, kwargs, message", [
    ("a,b,y\n1,2,0\n3,4\n", {}, r"ragged.csv, line 3: expected 3 fields \(as in the header\), found 2"),
    ("1,2,0\n3,4,5,6\n", {"header": False, "target": 2}, r"ragged.csv, line 2: expected 3 fields \(as in line 1\)"),
    ("a,b,y\n1,2,0\n3,oops,1\n", {}, r"ragged.csv, line 3, column 'b': could not convert 'oops' to a number"),
    ("a,b,y\n1,,0\n", {}, r"ragged.csv, line 2, column 'b': empty value"),
    ("a,b,y\n1,2,\n", {}, r"ragged.csv, line 2, column 'y': empty value"),
    ("a,b,y\n1,2,0\n", {"target": "label"}, r"ragged.csv: no column named 'label'; the columns are \['a', 'b', 'y'\]"),
    ("a,b,y\n1,2,0\n", {"features": ["a", "zz"]}, r"no column named 'zz'"),
    ("a,b,y\n1,2,0\n", {"features": ["a", "y"]}, r"column 'y' is both a feature and the target"),
    ("a,b,y\n1,2,0\n", {"target": 7}, r"column index 7 is out of range for 3 columns"),
    ("1,2,0\n", {"header": False, "target": "y"}, r"given by name, but the file is read with header=False"),
    ("a,b,y\n", {}, r"ragged.csv: no data rows"),
    ("", {}, r"ragged.csv: no data rows"),
    ("y\n1\n", {}, r"no feature columns left"),
    ("a,y\n1,0.5\n", {"target_dtype": "int64"}, r"asks for integer labels"),
])
def test_csv_errors_name_the_file_and_the_place(tmp_path, text, kwargs, message):
    path = write(tmp_path / "ragged.csv", text)
    kwargs.setdefault("target", "y")
    with pytest.raises(ValueError, match=message):
        CSVDataset(path, **kwargs)


def test_csv_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.csv"):
        CSVDataset(tmp_path / "nope.csv", target="y")


def test_csv_binary_file(tmp_path):
    path = tmp_path / "bin.csv"
    path.write_bytes(b"a,y\n\xff\xfe,1\n")
    with pytest.raises(ValueError, match="bin.csv: not a UTF-8 text CSV file"):
        CSVDataset(path, target="y")


# --------------------------------------------------------------------------- NPZ
def test_npz_dataset(tmp_path):
    path = tmp_path / "d.npz"
    np.savez(path, feats=np.arange(12, dtype=np.float64).reshape(4, 3), lab=np.array([0, 1, 1, 0], np.int32))
    ds = NpzDataset(path, x_key="feats", y_key="lab")
    x, y = ds.tensors
    assert x.dtype == framework.float32 and tuple(x.shape) == (4, 3)
    assert y.dtype == framework.int64 and y.tolist() == [0, 1, 1, 0]


def test_npz_float_targets_and_features_only(tmp_path):
    path = tmp_path / "r.npz"
    np.savez(path, x=np.zeros((3, 2), np.uint8), y=np.array([0.5, 1.5, 2.5]))
    x, y = NpzDataset(path).tensors
    assert x.dtype == framework.float32
    assert y.dtype == framework.float32 and tuple(y.shape) == (3, 1)
    only = NpzDataset(path, y_key=None)
    assert len(only.tensors) == 1 and len(only) == 3


@pytest.mark.parametrize("arrays, kwargs, message", [
    ({"x": np.zeros((3, 2)), "y": np.zeros(3)}, {"y_key": "labels"},
     r"e.npz: no array named 'labels'; the archive holds \['x', 'y'\]"),
    ({"x": np.zeros((3, 2)), "y": np.zeros(2)}, {}, r"e.npz: 'x' has 3 samples but 'y' has 2"),
    ({"x": np.array(["a", "b"]), "y": np.zeros(2)}, {}, r"e.npz: array 'x' has dtype <U1"),
    ({"x": np.float64(1.0), "y": np.zeros(2)}, {}, r"e.npz: array 'x' is a scalar"),
])
def test_npz_errors(tmp_path, arrays, kwargs, message):
    path = tmp_path / "e.npz"
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match=message):
        NpzDataset(path, **kwargs)


def test_npz_bad_files(tmp_path):
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"this is not a zip archive")
    with pytest.raises(ValueError, match="garbage.npz: not a readable .npz archive"):
        NpzDataset(garbage)
    single = tmp_path / "single.npy"
    np.save(single, np.zeros(3))
    with pytest.raises(ValueError, match="single.npy: holds a single array"):
        NpzDataset(single)
    with pytest.raises(FileNotFoundError, match="missing.npz"):
        NpzDataset(tmp_path / "missing.npz")


# --------------------------------------------------------------------------- IDX / MNIST
def idx_bytes(array, type_code=0x08, magic_zero=0):
    header = struct.pack(">HBB", magic_zero, type_code, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.tobytes()


def write_idx(path, array, compress=False, **kwargs):
    raw = idx_bytes(array, **kwargs)
    if compress:
        with gzip.open(str(path) + ".gz", "wb") as f:
            f.write(raw)
    else:
        path.write_bytes(raw)


def write_mnist(folder, prefix, n, compress=False, side=4):
    folder.mkdir(parents=True, exist_ok=True)
    images = (np.arange(n * side * side) % 256).astype(np.uint8).reshape(n, side, side)
    labels = (np.arange(n) % 10).astype(np.uint8)
    write_idx(folder / f"{prefix}-images-idx3-ubyte", images, compress)
    write_idx(folder / f"{prefix}-labels-idx1-ubyte", labels, compress)
    return images, labels


def test_read_idx_types(tmp_path):
    values = np.array([[1.5, -2.0], [3.0, 4.25]], dtype=">f4")
    write_idx(tmp_path / "f.idx", values, type_code=0x0D)
    out = read_idx(tmp_path / "f.idx")
    assert out.dtype == np.float32 and out.tolist() == values.tolist()


@pytest.mark.parametrize("compress", [False, True])
def test_mnist_reads_idx_files(tmp_path, compress):
    images, labels = write_mnist(tmp_path, "train", 5, compress)
    ds = MNIST(tmp_path, train=True)
    x, y = ds.tensors
    assert len(ds) == 5
    assert x.dtype == framework.float32 and tuple(x.shape) == (5, 1, 4, 4)
    np.testing.assert_allclose(x.numpy()[:, 0], images / 255.0, rtol=1e-6)
    assert y.dtype == framework.int64 and y.tolist() == labels.tolist()
    assert ds.data.dtype == framework.uint8 and tuple(ds.data.shape) == (5, 4, 4)


def test_mnist_test_split_flatten_and_torchvision_layout(tmp_path):
    write_mnist(tmp_path / "MNIST" / "raw", "t10k", 3)
    ds = MNIST(tmp_path, train=False, flatten=True)
    assert tuple(ds.tensors[0].shape) == (3, 16)
    assert not ds.train


def test_mnist_missing_file_says_which_and_where(tmp_path):
    write_mnist(tmp_path, "train", 2)
    with pytest.raises(FileNotFoundError) as info:
        MNIST(tmp_path, train=False)
    message = str(info.value)
    assert "t10k-images-idx3-ubyte" in message and str(tmp_path) in message


def test_mnist_count_mismatch(tmp_path):
    write_mnist(tmp_path, "train", 3)
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros(2, np.uint8))
    with pytest.raises(ValueError, match="holds 3 images but .*train-labels-idx1-ubyte holds 2 labels"):
        MNIST(tmp_path)


def test_mnist_wrong_dimensions(tmp_path):
    write_mnist(tmp_path, "train", 3)
    write_idx(tmp_path / "train-images-idx3-ubyte", np.zeros((3, 16), np.uint8))
    with pytest.raises(ValueError, match="train-images-idx3-ubyte: expected a 3-d IDX array of images"):
        MNIST(tmp_path)


def test_idx_bad_magic(tmp_path):
    write_idx(tmp_path / "bad", np.zeros(3, np.uint8), magic_zero=7)
    with pytest.raises(ValueError, match="bad: not an IDX file"):
        read_idx(tmp_path / "bad")


def test_idx_truncated(tmp_path):
    (tmp_path / "short").write_bytes(idx_bytes(np.zeros((2, 3), np.uint8))[:-2])
    with pytest.raises(ValueError, match=r"short: IDX header announces shape \(2, 3\) \(6 bytes of data\) but the "
                                         r"file holds 4 bytes"):
        read_idx(tmp_path / "short")
    (tmp_path / "tiny").write_bytes(b"\x00\x00")
    with pytest.raises(ValueError, match="tiny: too short for an IDX header"):
        read_idx(tmp_path / "tiny")


def test_idx_corrupt_gzip(tmp_path):
    (tmp_path / "x.gz").write_bytes(b"not gzip at all")
    with pytest.raises(ValueError, match="x.gz: cannot read IDX data"):
        read_idx(tmp_path / "x.gz")


# --------------------------------------------------------------------------- digits
def test_digits_from_scikit_learn():
    pytest.importorskip("sklearn")
    ds = datasets.digits()
    x, y = ds.tensors
    assert tuple(x.shape) == (1797, 64) and x.dtype == framework.float32
    assert tuple(y.shape) == (1797,) and y.dtype == framework.int64
    assert float(x.numpy().min()) == 0.0 and float(x.numpy().max()) == 1.0
    assert sorted(set(y.tolist())) == list(range(10))
    assert tuple(datasets.digits(flatten=False).tensors[0].shape) == (1797, 1, 8, 8)


def test_digits_without_the_extra_names_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match=r"pip install framework\[datasets\]"):
        datasets.digits()
