"""Ready-made datasets, all local (no downloads at run time): seeded synthetic toys, file readers, MNIST, digits.

Example:
    >>> from framework.data import datasets, DataLoader
    >>> train, val = datasets.train_val_split(datasets.spirals(600, n_classes=3), val_fraction=0.2, seed=0)
    >>> loader = DataLoader(train, batch_size=32, shuffle=True, seed=0)
"""
from ..split import train_val_split
from .csv_dataset import CSVDataset
from .digits import digits
from .idx import read_idx
from .mnist import MNIST
from .npz_dataset import NpzDataset
from .synthetic import blobs, circles, moons, sine_regression, spirals, xor

__all__ = ["CSVDataset", "MNIST", "NpzDataset", "blobs", "circles", "digits", "moons", "read_idx",
           "sine_regression", "spirals", "train_val_split", "xor"]
