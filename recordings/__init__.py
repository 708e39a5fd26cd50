"""Recorded conversations: anonymised export, fixture format, replay."""
