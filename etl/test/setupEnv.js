// Keep test output readable: the daemon's JSON logs are silenced unless asked for.
if (process.env.LOG_SILENT === undefined) process.env.LOG_SILENT = '1';
