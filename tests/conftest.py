"""Shared test settings."""

from hypothesis import settings

# The same examples on every run: CI results are reproducible, and a failure found
# once is found again. Explore more with: pytest --hypothesis-profile=explore
settings.register_profile("repeatable", derandomize=True, print_blob=True)
settings.register_profile("explore", max_examples=500, derandomize=False)
settings.load_profile("repeatable")
