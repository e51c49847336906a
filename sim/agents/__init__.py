"""Mesa agents: children, councils, providers (with the supply registry) and RCCs."""
