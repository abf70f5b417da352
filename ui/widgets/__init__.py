"""Small reusable widgets (the inert text browser)."""
