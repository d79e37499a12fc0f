"""Guideline rules, the dose audit of one return, and the history across quarters."""
