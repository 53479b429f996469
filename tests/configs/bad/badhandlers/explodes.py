raise RuntimeError("database URL is not set")
