// The deployed process's ports: its configuration, Firestore, Pub/Sub and secret backend (each created on
// first use, never at import), and the one object graph built over them.
import { config } from "../platform/config";
import { firestoreDeliveryFailures, recordDeliveryFailuresWith } from "../platform/delivery-failures";
import { runtime } from "../platform/runtime";
import { type ProcessGraph, type ProcessPorts, processGraph } from "./process-graph";

export const processPorts = (): ProcessPorts => ({
  firestore: runtime.db,
  secrets: runtime.secrets,
  publisher: runtime.publisher,
  config,
  clock: () => new Date(),
});

let graph: ProcessGraph | undefined;
/** The process's graph, built on first use: every root of this process shares it. */
export const processGraphFromEnvironment = (): ProcessGraph => {
  if (!graph) recordDeliveryFailuresWith(firestoreDeliveryFailures(runtime.db));
  graph ??= processGraph(processPorts());
  return graph;
};
