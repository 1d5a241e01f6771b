"""Who may scrape the metrics: an application of the platform operator's organisation."""

from govshare.core.permissions import rule


@rule("metrics.scrape")
def metrics_scrape(actor, _obj=None):
    """The operator's monitoring system, by its own credential; no person, no department."""
    organization = getattr(actor, "organization", None)
    return (getattr(actor, "actor_type", None) == "application"
            and organization is not None and organization.duty == "operator")
