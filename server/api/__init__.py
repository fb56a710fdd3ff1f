"""The JSON web layer: the API blueprints the mini-program and outside systems use, their
schemas and serializers, the OpenAPI document and the error shape."""
