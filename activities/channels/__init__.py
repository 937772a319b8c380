"""Delivery channels: one module per way of reaching a person outside the in-app inbox."""
