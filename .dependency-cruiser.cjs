// The architecture, as rules dependency-cruiser checks (architecture.test.ts runs them in `npm test`):
//   functions/<name>/index.ts → shared/wiring (one composition root per function)
//   shared/wiring → capabilities (accounts, audit, identity, contacts, presence, directory, sidebar)
//   capabilities → google/ → platform/
// A capability reaches another only through that one's entry file (shared/<capability>/index.ts), and
// production code never imports tools/ (the local stack and the simulator).
const CAPABILITIES = "(accounts|audit|identity|contacts|presence|directory|sidebar|orgs)";
const TESTS = ["\\.test\\.ts$", "/test/", "^bench/", "^tools/"];

module.exports = {
  forbidden: [
    {
      name: "no-cycles",
      severity: "error",
      comment: "A file must not depend on itself through others.",
      from: { path: "^(shared|functions)/", pathNot: TESTS },
      to: { circular: true },
    },
    {
      name: "platform-is-the-bottom",
      severity: "error",
      comment: "platform/ is plumbing: it imports nothing else of ours.",
      from: { path: "^shared/platform/", pathNot: TESTS },
      to: { path: "^(shared/(?!platform/)|functions/|tools/)" },
    },
    {
      name: "google-only-on-platform",
      severity: "error",
      comment: "google/ adapters know no capability: scopes and integration names are passed in.",
      from: { path: "^shared/google/", pathNot: TESTS },
      to: { path: "^(shared/(?!platform/|google/)|functions/|tools/)" },
    },
    {
      name: "capabilities-below-wiring",
      severity: "error",
      comment: "Capabilities never import the composition roots or the function entries.",
      from: { path: `^shared/${CAPABILITIES}/`, pathNot: TESTS },
      to: { path: "^(shared/wiring/|functions/)" },
    },
    {
      name: "capability-through-its-entry",
      severity: "error",
      comment:
        "A capability reaches another only through that one's entry file (index.ts), never its internals.",
      from: { path: `^shared/${CAPABILITIES}/`, pathNot: TESTS },
      to: {
        path: `^shared/${CAPABILITIES}/`,
        pathNot: ["^shared/$1/", `^shared/${CAPABILITIES}/index\\.ts$`],
      },
    },
    {
      name: "runtime-only-in-wiring",
      severity: "error",
      comment: "Only the composition roots touch the process's real adapters; capabilities get ports.",
      from: { path: `^shared/(${CAPABILITIES.slice(1, -1)}|google)/`, pathNot: TESTS },
      to: { path: "^shared/platform/runtime\\.ts$" },
    },
    {
      name: "entries-through-roots",
      severity: "error",
      comment: "A function's entry file is thin: its composition root and the HTTP plumbing only.",
      from: { path: "^functions/[^/]+/index\\.ts$" },
      to: { path: "^(shared/(?!wiring/roots/|platform/)|tools/)" },
    },
    {
      name: "production-never-imports-tools",
      severity: "error",
      comment: "tools/ (local stack, simulator) is for tests and the local stack, never production code.",
      from: { path: "^(shared|functions)/", pathNot: TESTS },
      to: { path: "^tools/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(node_modules|dist|\\.local)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default"],
    },
  },
};
