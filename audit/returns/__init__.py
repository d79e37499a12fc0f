"""The return format (schema and its checks) and validation of a return against it."""
