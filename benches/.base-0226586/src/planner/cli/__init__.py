"""The command line front end: ``planner ...``."""

from planner.cli.main import main

__all__ = ["main"]
