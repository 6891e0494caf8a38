// The channel-renewal function's composition root: calendar watch channels renewed.
import { createChannelRenewalHandler } from "../../presence/presence-workers";
import type { ProcessGraph } from "../process-graph";
import { processGraphFromEnvironment } from "../process-ports";

export const createChannelRenewalRoot = (graph: ProcessGraph = processGraphFromEnvironment()) =>
  createChannelRenewalHandler(() => graph.presence());
