"""Live updates: websockets that carry small "this changed" events and ephemeral presence."""
