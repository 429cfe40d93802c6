"""``keras.preprocessing``: the module paths older tutorials import (``keras.preprocessing.sequence``)."""

from . import sequence

__all__ = ["sequence"]
