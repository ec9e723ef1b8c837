"""actlab for PyTorch models: ``from actlab.torch import Monitor``. Needs torch (pip install torch==2.13.0)."""

from .interop.torch import LayerStats, Monitor, MonitorReport, read_log, record_for

__all__ = ["LayerStats", "Monitor", "MonitorReport", "read_log", "record_for"]
