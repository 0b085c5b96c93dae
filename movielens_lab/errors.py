"""The one exception type the CLI turns into a one-line message."""


class LabError(Exception):
    """A failure the user can fix; its message names the cause and the fix."""
