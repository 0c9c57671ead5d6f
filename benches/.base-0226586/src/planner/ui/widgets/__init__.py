"""Reusable widgets: they receive view data and post messages, never call the service."""
