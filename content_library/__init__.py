"""The content library: pre-approved posts and life-event templates, curated by marketing."""
