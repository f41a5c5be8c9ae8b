"""CSVDataset: a table of numbers in a CSV file as a TensorDataset (features, target).

Example:
    >>> ds = CSVDataset("houses.csv", target="price", target_dtype="float32")
    >>> x, y = ds[0]
"""
import csv
import numbers
import os

import numpy as np

from ...autograd import dtypes as _dt
from ...autograd.tensor import Tensor
from ..dataset import TensorDataset


def _read_table(path, delimiter, header):
    """(column names or None, rows, line number of each row); rows all have the same number of fields."""
    try:
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.reader(f, delimiter=delimiter)
            names, rows, lines = None, [], []
            for row in reader:
                if not row or all(not field.strip() for field in row):
                    continue  # blank line
                if header and names is None:
                    names = [name.strip() for name in row]
                    continue
                width = len(names) if names is not None else (len(rows[0]) if rows else len(row))
                if len(row) != width:
                    what = "the header" if names is not None else f"line {lines[0]}"
                    raise ValueError(f"{path}, line {reader.line_num}: expected {width} fields (as in {what}), "
                                     f"found {len(row)}")
                rows.append(row)
                lines.append(reader.line_num)
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not a UTF-8 text CSV file ({exc.reason} at byte {exc.start})") from None
    except csv.Error as exc:
        raise ValueError(f"{path}: malformed CSV: {exc}") from None
    if not rows:
        raise ValueError(f"{path}: no data rows")
    return names, rows, lines


def _column_index(path, names, width, column):
    if isinstance(column, numbers.Integral) and not isinstance(column, bool):
        if not -width <= column < width:
            raise ValueError(f"{path}: column index {column} is out of range for {width} columns")
        return int(column) % width
    if names is None:
        raise ValueError(f"{path}: column {column!r} given by name, but the file is read with header=False; "
                         "use column numbers")
    if column not in names:
        raise ValueError(f"{path}: no column named {column!r}; the columns are {names}")
    return names.index(column)


def _column_label(names, index):
    return repr(names[index]) if names is not None else str(index)


def _numbers(path, names, rows, lines, index):
    """One column as float64, or a ValueError naming the line and column of the first bad value."""
    values = [row[index].strip() for row in rows]
    try:
        return np.array(values, dtype=np.float64)
    except ValueError:
        for value, line in zip(values, lines):
            try:
                float(value)
            except ValueError:
                problem = "empty value" if not value else f"could not convert {value!r} to a number"
                raise ValueError(f"{path}, line {line}, column {_column_label(names, index)}: {problem}") from None
        raise


def _is_integral(column):
    return bool(np.all(np.isfinite(column)) and np.all(column == np.round(column)))


class CSVDataset(TensorDataset):
    """Rows of a CSV file: ``features`` columns (default: all but the target) as float32, ``target`` as labels.

    Args:
        path: the CSV file.
        target: the target column (name, or number when ``header=False``), or a list of columns.
        features: feature columns (names or numbers); default every other column.
        delimiter: field separator.
        header: whether the first non-blank line names the columns.
        target_dtype: None infers it: a single column of whole numbers becomes int64 class labels (N,);
            a single column of text becomes int64 class indices into ``self.classes`` (sorted names);
            anything else float32 regression targets (N, 1), or (N, k) for k target columns.
            Pass ``"float32"`` for a regression target that happens to hold whole numbers.

    Bad files raise ValueError naming the path and the line or column at fault.

    Example:
        >>> ds = CSVDataset("iris.csv", target="species")
        >>> ds.classes
        ['setosa', 'versicolor', 'virginica']
    """

    def __init__(self, path, target, features=None, delimiter=",", header=True, target_dtype=None):
        path = os.fspath(path)
        names, rows, lines = _read_table(path, delimiter, header)
        width = len(rows[0])
        targets = list(target) if isinstance(target, (list, tuple)) else [target]
        target_columns = [_column_index(path, names, width, t) for t in targets]
        if features is None:
            feature_columns = [i for i in range(width) if i not in target_columns]
        else:
            feature_columns = [_column_index(path, names, width, f) for f in features]
            for i in feature_columns:
                if i in target_columns:
                    raise ValueError(f"{path}: column {_column_label(names, i)} is both a feature and the target")
        if not feature_columns:
            raise ValueError(f"{path}: no feature columns left besides the target")
        self.path = path
        self.columns = names
        self.feature_names = [names[i] if names else i for i in feature_columns]
        self.target_names = [names[i] if names else i for i in target_columns]
        self.classes = None
        x = np.stack([_numbers(path, names, rows, lines, i) for i in feature_columns], axis=1)
        y = self._targets(path, names, rows, lines, target_columns, target_dtype, isinstance(target, (list, tuple)))
        super().__init__(Tensor(x.astype(np.float32)), Tensor(y))

    def _targets(self, path, names, rows, lines, columns, target_dtype, several):
        wanted = None if target_dtype is None else _dt.to_numpy_dtype(target_dtype)
        if not several and wanted is None:
            raw = [row[columns[0]].strip() for row in rows]
            try:
                values = np.array(raw, dtype=np.float64)
            except ValueError:  # text labels: class names
                for value, line in zip(raw, lines):
                    if not value:
                        raise ValueError(f"{path}, line {line}, column {_column_label(names, columns[0])}: "
                                         "empty value") from None
                self.classes = sorted(set(raw))
                lookup = {name: i for i, name in enumerate(self.classes)}
                return np.array([lookup[v] for v in raw], dtype=np.int64)
            if _is_integral(values):
                return values.astype(np.int64)
            return values.astype(np.float32).reshape(-1, 1)
        values = np.stack([_numbers(path, names, rows, lines, i) for i in columns], axis=1)
        if wanted is None or wanted.kind == "f":
            return values.astype(wanted or np.float32)
        if not _is_integral(values):
            raise ValueError(f"{path}: target_dtype={target_dtype!r} asks for integer labels, but the target "
                             "column holds fractional or non-finite values")
        return values.astype(wanted).reshape(-1) if not several else values.astype(wanted)
