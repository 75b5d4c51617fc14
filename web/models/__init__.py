"""The wire format of the API, declared once: request models (pydantic, which also
validate the input) and response shapes (TypedDicts the serializers are typed against).
The OpenAPI document (`web/openapi.py`) is generated from these and the route table."""
