"""The outbox as Prometheus gauges, read from the database when scraped.

``storefront_export_events{status}`` (pending, delivered, failed) and
``storefront_export_oldest_pending_age_seconds`` (0 when nothing is pending) describe the
whole shop, not one process, so one process serves them: the relay
(``flask exports relay --loop --metrics HOST:PORT``). Each scrape costs one GROUP BY over the
``(status, created_at)`` index and one MIN.
"""

from __future__ import annotations

from prometheus_client.core import GaugeMetricFamily

from app.db import utcnow
from app.exports.services import outbox_state
from app.extensions import db


class OutboxCollector:
    """A ``prometheus_client`` collector; ``app`` gives the scrape's thread its context."""

    def __init__(self, app):
        self.app = app

    def collect(self):
        with self.app.app_context():
            counts, oldest = outbox_state()
            db.session.remove()
        events = GaugeMetricFamily("storefront_export_events",
                                   "Export events in the outbox by status", labels=["status"])
        for status, count in counts.items():
            events.add_metric([status], count)
        yield events
        age = (utcnow() - oldest).total_seconds() if oldest is not None else 0.0
        yield GaugeMetricFamily("storefront_export_oldest_pending_age_seconds",
                                "Age of the oldest pending export event (0: none pending)",
                                value=max(age, 0.0))
