"""Exports of an assessment's foreground inventory to the LCA practitioners' tools.

``inventory`` turns a :class:`~lcai.engine.plan.Plan`'s evaluated line items into a
neutral inventory: activities with exchanges in physical units (kWh of electricity by
region, allocated hardware units, m3 of water, kgCO2e by lcai's own characterisation), the
key that links each exchange to a background database, its catalog sources, and each
uncertain input as the distribution of the one exchange that carries it. ``brightway``
writes it as a Brightway 2.5 project (``bw2data``), ``openlca`` as an openLCA JSON-LD zip
(``olca-schema``); both libraries are the ``lcai[lca]`` extra, imported when called.

May import: engine, catalog, spec, keys, errors, files and below (never bw2data, bw2calc or
olca_schema at import time).
"""

from __future__ import annotations

from lcai.outputs.lca.inventory import Activity, Exchange, Flow, Inventory, inventory_of

__all__ = ["Activity", "Exchange", "Flow", "Inventory", "inventory_of"]
