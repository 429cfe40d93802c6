"""Utilities: ``keras.utils`` names."""

from ..config import set_random_seed
from .numerical import to_categorical
from .plotting import plot_history
from .progbar import Progbar
from .py_dataset import PyDataset, Sequence
from .sequences import multi_hot, pad_sequences

__all__ = ["Progbar", "PyDataset", "Sequence", "multi_hot", "pad_sequences", "plot_history", "set_random_seed", "to_categorical"]
