"""Tenancy: the region subtree one installation serves (R4, R8).

The province's installation serves the whole province; a city that builds its own platform runs
an installation rooted at the city, and a county without a platform of its own works inside its
city's. `GOVSHARE_ROOT_REGION` names the root. Organisations are created, and roles handed out,
only inside the served subtree; everything above it or beside it belongs to another platform,
reached through federation.
"""

from django.conf import settings
from django.db.models import Q

from .models import Region


def root_code() -> str:
    return settings.GOVSHARE_ROOT_REGION


def root_region() -> Region | None:
    """The installation's root region, or None before the regions are loaded."""
    return Region.objects.filter(code=root_code()).first()


def serves(region) -> bool:
    """True when `region` is the installation's root or lies below it (no query: the region's
    path names every ancestor's code)."""
    return region is not None and root_code() in region.path.split("/")


def served(prefix: str = "") -> Q:
    """The regions this installation serves, as a filter on `<prefix>path`."""
    code = root_code()
    return (Q(**{f"{prefix}code": code}) | Q(**{f"{prefix}path__startswith": f"{code}/"})
            | Q(**{f"{prefix}path__contains": f"/{code}/"}))
