"""The adoption dashboard for branch managers, marketing and compliance."""
