"""Mentorship registry: mentors, mentees, forms, pairs, school totals, surveys and indicators."""
