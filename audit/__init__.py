"""ost-audit: audit opioid substitution therapy returns and the contracts that pay for them."""

__version__ = "0.1.0"
