"""The contract scan: extract passages with their places, then judge them with named rules."""
