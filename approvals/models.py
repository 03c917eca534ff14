"""Review requests and decisions."""
