"""Where the API lives. Routers carry the whole prefix themselves, so the route templates that
requests are counted by (``/api/v1/phones/{mac}``) are the paths clients see."""

API_PREFIX = "/api/v1"
