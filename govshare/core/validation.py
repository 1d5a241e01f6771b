"""Model validation for services: Django's full_clean, re-raised as our ValidationError."""

from django.core.exceptions import ValidationError as DjangoValidationError

from .exceptions import ValidationError


def validated(instance, exclude=None):
    """Run every model and field check on `instance`; raise ValidationError naming each field."""
    try:
        instance.full_clean(exclude=exclude)
    except DjangoValidationError as error:
        raise ValidationError.from_django(error) from None
    return instance


def require(field_errors: dict):
    """Raise ValidationError when any field has messages; drop the empty ones."""
    errors = {field: msgs for field, msgs in field_errors.items() if msgs}
    if errors:
        raise ValidationError(errors)
