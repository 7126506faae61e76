"""One module per survey tool; each registers a :class:`~orb_widgets.importers.registry.Vendor`."""
