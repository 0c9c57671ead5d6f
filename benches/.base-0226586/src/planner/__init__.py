"""planner: one timeline for work and personal life."""

__version__ = "0.1.0"
