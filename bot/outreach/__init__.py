"""Bringing people in: follow-a-buurt deep links and the coordinator's flyer (issue 20)."""
