"""Type alias shared by the model functions."""

from typing import TypeAlias

import numpy as np
import numpy.typing as npt

Num: TypeAlias = float | npt.NDArray[np.float64]
"""A scalar or an array of samples; every model function accepts both."""
