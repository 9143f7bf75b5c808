"""Domain errors: services raise these; views and the API map them to one response shape."""

from __future__ import annotations


class DomainError(Exception):
    """A request the domain refuses. ``code`` is stable; ``message`` is bilingual (中文 / English)."""

    code = "DOMAIN_ERROR"
    status = 400
    retryable = False
    """A job refused with it may be run again as it is: the refusal was about the moment, not the request."""

    def __init__(self, message: str, *, code: str | None = None, fields: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.fields = fields or {}

    def message_in(self, language: str) -> str:
        """The message in one language: the Chinese half before " / ", the English half after it."""
        zh, separator, en = self.message.partition(" / ")
        if not separator:
            return self.message
        return zh if language.lower().startswith("zh") else en


class TransitionRefused(DomainError):
    code = "TRANSITION_REFUSED"
    status = 409


class ConcurrentChange(DomainError):
    code = "CONCURRENT_CHANGE"
    status = 409


class BadInput(DomainError):
    code = "BAD_INPUT"
    status = 422


class FileMissing(DomainError):
    """A stored file a row names is not in storage (lost, or a restore without its uploads): the platform's
    404 page with the reason, never a server error."""

    code = "FILE_MISSING"
    status = 404
