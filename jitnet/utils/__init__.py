"""Utilities: ``keras.utils`` names."""

from ..config import set_random_seed
from .model_visualization import model_to_dot, plot_model
from .numerical import to_categorical
from .plotting import plot_history
from .progbar import Progbar
from .py_dataset import PyDataset, Sequence
from .sequences import multi_hot, pad_sequences

__all__ = ["Progbar", "PyDataset", "Sequence", "model_to_dot", "multi_hot", "pad_sequences", "plot_history",
           "plot_model", "set_random_seed", "to_categorical"]
