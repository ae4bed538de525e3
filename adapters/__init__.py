"""One package per chat platform. Adapters translate; they never decide."""
