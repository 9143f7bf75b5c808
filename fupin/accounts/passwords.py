"""Password strength beyond Django's validators: mix letters with digits or symbols."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError

if TYPE_CHECKING:
    from fupin.accounts.models import User


class CharacterClassValidator:
    """Require at least three of: lower-case, upper-case, digits, other characters."""

    message = "密码须包含大写字母、小写字母、数字、符号中的至少三类 / use at least three of: upper-case, lower-case, digits, symbols"

    def validate(self, password: str, user: User | None = None) -> None:
        classes = [
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
        if sum(classes) < 3:
            raise ValidationError(self.message, code="password_too_simple")

    def get_help_text(self) -> str:
        return self.message
