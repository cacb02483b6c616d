"""Advocacy reports: what the helpline sees, counted without exposing anyone (issue 8)."""
