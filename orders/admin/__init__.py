"""Orders admin: one module per screen group; each helper adds its import line here."""
