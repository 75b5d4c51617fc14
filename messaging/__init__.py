"""Interlude's core: domain types, access policy, use-case services and storage.

Imports only `crypto`, SQLAlchemy and the standard library (see docs/architecture.md).
"""
