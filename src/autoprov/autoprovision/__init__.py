"""Auto-provisioning: the register plugin that notices unassigned phones, the durable outbox
it feeds, and the worker that creates the phones in the inventory through the REST API."""
