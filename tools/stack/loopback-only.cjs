// Preloaded into every function process the stack or a test starts. The Functions Framework listens on
// every interface; a local stack serves loopback only, so a listen given a port and no host gets 127.0.0.1.
const net = require("node:net");
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  const [port, host] = args;
  const isPort = typeof port === "number" || (typeof port === "string" && /^\d+$/.test(port));
  if (isPort && typeof host !== "string") args.splice(1, 0, "127.0.0.1");
  return listen.apply(this, args);
};
