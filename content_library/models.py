"""Library items, their versions, and life-event templates."""
