"""The HTTP API: FastAPI routes over `tierdesk.service`, all under /api/v1."""
