"""A confidential Telegram helpline for technical intern trainees in Japan."""

__version__ = "0.1.0"
