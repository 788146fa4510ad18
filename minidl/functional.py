"""``minidl.functional`` is ``minidl.nn.functional`` (``import minidl.functional as F``
keeps working); the functions live in ``minidl/nn/functional.py``."""

from .nn.functional import *  # noqa: F401,F403
from .nn.functional import __all__  # noqa: F401
