// Preloaded into every function process the stack or a test starts: when the parent goes away (even
// killed with SIGKILL, which runs no exit hook), the IPC channel closes and the function exits with it.
if (process.send) process.on("disconnect", () => process.exit(0));
