"""Debugging and teaching tools, each built on the engine's observer hook
(``minidl.autograd.add_observer``) or on the public tensor API:

- ``gradcheck``: analytic gradients against float64 central differences;
- ``detect_anomaly``: stop at the first op that makes NaN or Inf;
- ``trace``: print every backward step;
- ``profile``: time per op and per backend primitive;
- ``viz``: draw the recorded graph (Graphviz DOT).

The common names are also at the top level: ``mdl.gradcheck``,
``mdl.detect_anomaly``, ``mdl.profile``, ``mdl.viz``.
"""

from . import viz
from .anomaly import AnomalyError, detect_anomaly
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .profiler import profile
from .tracing import trace

__all__ = ["viz", "AnomalyError", "detect_anomaly", "GradcheckError", "gradcheck",
           "gradgradcheck", "profile", "trace"]
