"""Synthetic sample areas: returns, contracts and the small writers that make them."""
