"""Where events come from: recorded files (replay, imports) and, later, a live strap."""
