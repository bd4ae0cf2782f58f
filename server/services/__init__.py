"""Server services: each owns its transaction; routers and commands call them."""
