"""Artifact filter, smoothing, %HRmax, zones, windows and time accounting (live and batch)."""
