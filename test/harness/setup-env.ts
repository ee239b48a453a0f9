// Quiet brokers and ports that never collide: every test system picks its own.
process.env.LOG_LEVEL ??= "error";
