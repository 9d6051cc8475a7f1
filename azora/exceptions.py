"""Errors of the shared kernel. Each docstring says what happened and how to fix it."""


class AzoraError(Exception):
    """Base class of every Azora error."""


class ManifestNotFoundError(AzoraError):
    """No deployment manifest for this network. Run `ape run deploy` (or `make run`) first."""


class ManifestInvalidError(AzoraError):
    """The deployment manifest cannot be read. Delete it and redeploy, or restore it from git."""


class ProfileError(AzoraError):
    """The deploy profile is unknown or incomplete. Use `dev` or `production` and set what it asks for."""


class ServiceStartError(AzoraError):
    """An embedded service did not start. Its log file (named in the message) says why."""
