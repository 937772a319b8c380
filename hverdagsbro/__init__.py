"""hverdagsbro: durable episode workflows from psychiatric admission to everyday life."""
