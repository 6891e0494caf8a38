// Client authentication at the token endpoint: client_secret in the form or HTTP Basic. Google still
// requires the secret for web clients even when PKCE is used.
import type { IncomingMessage } from "node:http";
import { OAuthError } from "../errors";
import type { OAuthClient, SimState } from "../state";

export function authenticateClient(
  state: SimState,
  req: IncomingMessage,
  form: Record<string, string>,
): OAuthClient {
  let clientId = form.client_id;
  let secret = form.client_secret;
  const basic = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? "");
  if (basic) {
    const [id, pw] = Buffer.from(basic[1]!, "base64").toString("utf8").split(":");
    clientId = decodeURIComponent(id ?? "");
    secret = decodeURIComponent(pw ?? "");
  }
  if (!clientId) throw new OAuthError(400, "invalid_request", "Could not determine client ID from request.");
  const client = state.oauthClients.get(clientId);
  if (!client) throw new OAuthError(401, "invalid_client", "The OAuth client was not found.");
  if (!secret) throw new OAuthError(400, "invalid_request", "client_secret is missing.");
  if (secret !== client.clientSecret) throw new OAuthError(401, "invalid_client", "Unauthorized");
  return client;
}
