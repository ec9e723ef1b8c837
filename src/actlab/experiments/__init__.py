"""The lesson's demonstrations, one module each; every function returns a JSON-ready dataclass."""

from .census import CensusRow, census
from .dying_relu import DyingReluResult, dead_probability, dying_relu, monte_carlo, trained_dead_units
from .gelu_approx import GeluApproxResult, gelu_approx
from .linear_collapse import LinearCollapseResult, check_collapse, compose_affine, count_pieces, linear_collapse
from .papers import reproduce
from .reproduction import Finding, Reproduction
from .vanishing import (
                        VanishingResult,
                        VanishingSweep,
                        analytic_bound,
                        derivative_maxima,
                        lesson_numbers,
                        measure_flow,
                        sweep,
                        vanishing,
)

__all__ = ["CensusRow", "DyingReluResult", "Finding", "GeluApproxResult", "LinearCollapseResult", "Reproduction",
           "VanishingResult", "VanishingSweep", "analytic_bound", "census", "check_collapse", "compose_affine",
           "count_pieces", "dead_probability", "derivative_maxima", "dying_relu", "gelu_approx", "lesson_numbers",
           "linear_collapse", "measure_flow", "monte_carlo", "reproduce", "sweep", "trained_dead_units", "vanishing"]
