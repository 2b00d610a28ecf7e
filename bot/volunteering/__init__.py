"""Volunteer calls: shifts with places, sign-ups with waiting lists, reminders."""
