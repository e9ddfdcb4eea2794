"""Errors a user can act on. The CLI prints them as one clear message, never as a traceback."""


class SalesglassError(Exception):
    """Base class: the message is meant for the person running the command."""


class ConfigError(SalesglassError):
    """The config file is wrong: the message names the key and what is expected."""
