"""Models: ``keras.models`` names."""

from .sequential import Sequential

Model = Sequential

__all__ = ["Model", "Sequential"]
