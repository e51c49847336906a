"""Agent-based model of England's children's care placement system."""
