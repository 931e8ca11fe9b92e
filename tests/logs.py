"""What the configured log handlers write, with every logger turned up to DEBUG.

pytest's caplog sees records before any handler's filter runs; these helpers
read what the handlers of settings.LOGGING actually write, which is what an
operator's log files hold.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings


def every_logger() -> list[logging.Logger]:
    named = [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)]
    return [logging.getLogger(), *named]


def is_pytests(handler: logging.Handler) -> bool:
    return type(handler).__module__.startswith("_pytest")


def configured_handlers() -> list[logging.Handler]:
    """Every handler attached to a logger, but pytest's own."""
    found = []
    for logger in every_logger():
        for handler in logger.handlers:
            if not is_pytests(handler) and handler not in found:
                found.append(handler)
    return found


@contextmanager
def everything_written() -> Iterator[io.StringIO]:
    """Every logger at DEBUG, every configured handler writing into one buffer."""
    buffer = io.StringIO()
    loggers = every_logger()
    saved_levels = [(logger, logger.level, logger.disabled) for logger in loggers]
    handlers = configured_handlers()
    assert {handler.name for handler in handlers} == set(settings.LOGGING["handlers"])
    saved_streams = [(handler, handler.setStream(buffer)) for handler in handlers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        logger.disabled = False
    try:
        yield buffer
    finally:
        for handler, stream in saved_streams:
            handler.setStream(stream)
        for logger, level, disabled in saved_levels:
            logger.setLevel(level)
            logger.disabled = disabled
