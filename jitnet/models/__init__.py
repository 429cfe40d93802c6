"""Models: ``keras.models`` names."""

from ..saving.keras_file import load_model
from .sequential import Sequential

Model = Sequential

__all__ = ["Model", "Sequential", "load_model"]
