"""Synthetic applicants (Faker, de_DE): reproducible, and marked as synthetic."""
