"""The REST API (``/api/v1``): FastAPI over the inventory's service functions."""
