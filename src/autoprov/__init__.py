"""autoprov: zero-touch provisioning for Polycom SIP phones."""

__version__ = "0.1.0"
