"""The in-portal notification centre (and e-mail when SMTP is configured)."""
