"""Test harness: real services brought up for the run, and small test doubles."""
