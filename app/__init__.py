"""招商通 (zhaoshang): investment-attraction CRM."""
