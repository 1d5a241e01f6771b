from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.utils.translation import gettext_lazy as _


def check_crypto_profile(app_configs, **kwargs):
    """An unknown profile would otherwise surface only at the first audit record."""
    from . import crypto

    if settings.GOVSHARE_CRYPTO_PROFILE in crypto.PROFILES:
        return []
    return [checks.Error(f"GOVSHARE_CRYPTO_PROFILE is {settings.GOVSHARE_CRYPTO_PROFILE!r}",
                         hint=f"one of: {', '.join(crypto.PROFILES)}", id="govshare.E001")]


class CoreConfig(AppConfig):
    name = "govshare.core"
    verbose_name = _("平台基础")

    def ready(self):
        checks.register(check_crypto_profile)
