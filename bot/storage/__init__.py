"""Where the helpline keeps conversations.

The only package that may import sqlalchemy or cryptography (issue 4 adds the encrypted
database store). For now it holds the in-memory store used by the terminal chat and tests.
"""
