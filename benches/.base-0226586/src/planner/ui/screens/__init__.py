"""Screens: they call the service and hand view data down to widgets."""
